// A small QMP client (QEMU Machine Protocol): JSON objects, one per line, over a unix or TCP socket.
// Greeting -> qmp_capabilities -> commands tagged with ids; asynchronous events in between.
import { EventEmitter } from 'events';
import * as net from 'net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    message: string,
    readonly errorClass?: string,
  ) {
    super(message);
    this.name = 'QmpError';
  }
}

export type QmpAddress = { path: string } | { host: string; port: number };

export interface QmpOptions {
  timeoutMs?: number; // per request, and for the greeting
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  command: string;
}

// Events: 'event' (QmpEvent), and one per event name (e.g. 'RESET', 'SHUTDOWN', 'STOP'),
// 'close' (hadError: boolean) when the connection goes away.
export class QmpClient extends EventEmitter {
  private socket?: net.Socket;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private greetingWaiter?: { resolve: (v: unknown) => void; reject: (e: Error) => void };
  private closed = false;
  greeting?: { QMP: { version: unknown; capabilities: unknown[] } };
  readonly timeoutMs: number;

  constructor(opts: QmpOptions = {}) {
    super();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  // Connect, read the greeting, leave capabilities negotiation mode.
  async connect(address: QmpAddress): Promise<void> {
    const socket =
      'path' in address
        ? net.createConnection(address.path)
        : net.createConnection(address.port, address.host);
    this.socket = socket;
    socket.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', (e) => this.fail(new QmpError(`QMP connection error: ${e.message}`)));
    socket.on('close', () => {
      this.fail(new QmpError('QMP connection closed'));
      this.emit('close');
    });
    socket.on('data', (chunk: string) => this.onData(chunk));
    await this.waitGreeting();
    await this.execute('qmp_capabilities');
  }

  private waitGreeting(): Promise<unknown> {
    if (this.greeting) return Promise.resolve(this.greeting);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        reject(new QmpError(`no QMP greeting within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.greetingWaiter = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line);
    } catch {
      this.emit('protocolError', new QmpError(`QMP sent a line that is not JSON: ${line.slice(0, 80)}`));
      return;
    }
    if ('QMP' in msg) {
      this.greeting = msg as QmpClient['greeting'];
      this.greetingWaiter?.resolve(msg);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === 'string') {
      const ev = msg as unknown as QmpEvent;
      this.emit('event', ev);
      this.emit(ev.event, ev);
      return;
    }
    const id = msg.id === undefined ? undefined : String(msg.id);
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) {
      this.emit('protocolError', new QmpError(`QMP reply with unknown id: ${line.slice(0, 80)}`));
      return;
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ('error' in msg) {
      const err = msg.error as { class?: string; desc?: string };
      p.reject(new QmpError(`QMP ${p.command}: ${err.desc ?? 'error'}`, err.class));
    } else {
      p.resolve(msg.return);
    }
  }

  // Run one command; resolves with its "return" value, rejects on a QMP error, a timeout or a closed link.
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const socket = this.socket;
    if (!socket || this.closed) return Promise.reject(new QmpError(`QMP ${command}: not connected`));
    const id = `uefi-hv-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(`QMP ${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, command });
      const msg: Record<string, unknown> = { execute: command, id };
      if (args) msg.arguments = args;
      socket.write(JSON.stringify(msg) + '\n');
    });
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.greetingWaiter?.reject(err);
    this.greetingWaiter = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QmpError(`QMP ${p.command}: ${err.message}`));
      this.pending.delete(id);
    }
  }

  get connected(): boolean {
    return !!this.socket && !this.closed;
  }

  // Close our side; pending requests fail. Does not stop QEMU (use execute('quit') for that).
  close(): Promise<void> {
    const socket = this.socket;
    this.fail(new QmpError('QMP client closed'));
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }
}
