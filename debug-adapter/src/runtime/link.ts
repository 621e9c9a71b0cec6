// The debug link to the target: a byte pipe over TCP (an emulator's gdbstub or serial socket, a
// board's serial server) or a local serial device (through the serialport package).
import { EventEmitter } from 'events';
import * as net from 'net';

export type LinkSpec =
  { kind: 'tcp'; host: string; port: number } | { kind: 'serial'; device: string; baud: number };

export function describeLink(l: LinkSpec): string {
  return l.kind === 'tcp' ? `tcp:${l.host}:${l.port}` : `serial:${l.device}@${l.baud}`;
}

// "tcp:HOST:PORT" or "serial:DEVICE@BAUD"; undefined when the text is neither (the caller names the attribute).
export function parseLink(text: string): LinkSpec | { error: string } {
  let m = /^tcp:(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (m) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return { error: `port ${m[2]} is out of range 1..65535` };
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port };
  }
  m = /^serial:([^@]+)@(\d+)$/.exec(text);
  if (m) {
    const baud = Number(m[2]);
    if (baud < 50 || baud > 4_000_000) return { error: `baud rate ${m[2]} is out of range` };
    return { kind: 'serial', device: m[1], baud };
  }
  return { error: `'${text}' is neither tcp:HOST:PORT nor serial:DEVICE@BAUD` };
}

// Events: 'data' (Buffer), 'close' (reason string). write() after close is ignored.
export interface Link extends EventEmitter {
  write(data: Buffer): void;
  close(): void;
  readonly description: string;
}

class TcpLink extends EventEmitter implements Link {
  private closed = false;
  constructor(
    private readonly socket: net.Socket,
    readonly description: string,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (d) => this.emit('data', d));
    socket.on('error', (e) => this.end(`link error: ${e.message}`));
    socket.on('close', () => this.end('the target closed the link'));
  }
  write(data: Buffer): void {
    if (!this.closed) this.socket.write(data);
  }
  close(): void {
    this.end('closed by the adapter');
  }
  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.emit('close', reason);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Connect, retrying until timeoutMs (an emulator opens its socket a moment after it starts).
export async function openLink(spec: LinkSpec, timeoutMs: number): Promise<Link> {
  const deadline = Date.now() + timeoutMs;
  if (spec.kind === 'tcp') {
    let lastError = '';
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection({ host: spec.host, port: spec.port });
          s.once('connect', () => {
            s.removeAllListeners('error');
            resolve(s);
          });
          s.once('error', (e) => {
            s.destroy();
            reject(e);
          });
        });
        return new TcpLink(socket, describeLink(spec));
      } catch (e) {
        lastError = (e as Error).message;
        if (Date.now() > deadline)
          throw new Error(
            `cannot connect the link ${describeLink(spec)} within ${timeoutMs} ms: ${lastError}`,
          );
        await sleep(100);
      }
    }
  }
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: spec.device, baudRate: spec.baud, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve()))).catch((e) => {
    throw new Error(`cannot open the link ${describeLink(spec)}: ${(e as Error).message}`);
  });
  const link = new (class extends EventEmitter implements Link {
    private closed = false;
    readonly description = describeLink(spec);
    write(data: Buffer): void {
      if (!this.closed) port.write(data);
    }
    close(): void {
      this.end('closed by the adapter');
    }
    end(reason: string): void {
      if (this.closed) return;
      this.closed = true;
      if (port.isOpen) port.close(() => undefined);
      this.emit('close', reason);
    }
  })();
  port.on('data', (d: Buffer) => link.emit('data', d));
  port.on('error', (e: Error) => link.end(`link error: ${e.message}`));
  port.on('close', () => link.end('the serial device closed'));
  return link;
}
