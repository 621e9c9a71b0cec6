// The host end of the hypervisor's debug link: the emulator's COM2 is a TCP server (Bochs
// `com2: mode=socket-server`, QEMU `-chardev socket,server=on`); this bridge connects to it at once
// (Bochs does not start the machine until a client is there) and offers 127.0.0.1:<port> to gdb or
// the debug adapter, relaying bytes both ways. While no debugger is attached, what arrives is kept
// (up to a bound) and the next one gets it from the last '$' on: a packet the stub is still
// retransmitting reaches it, the firmware's console echo on COM2 (OVMF mirrors its console on
// every serial port until the stub takes the UART) does not, so a '-' in that text never reads as
// a NAK to gdb.
//
// Latency: Bochs writes one byte per send(); with Nagle on our side and delayed ACKs on Linux a
// byte round trip costs tens of ms. setNoDelay(true) on both sockets removes Nagle; TCP_QUICKACK is
// not exposed by Node (targets.md measured ~45 ms without either, ~0.5 ms with both in C).
import { EventEmitter } from 'events';
import * as net from 'net';

export interface DebugBridgeOptions {
  emulatorPort: number; // the emulator's COM2 server
  listenPort: number; // 0: any free port (see .port)
  host?: string; // default 127.0.0.1
  connectTimeoutMs?: number; // give up reaching the emulator after this (default 60000)
  retryMs?: number; // between connection attempts (default 50)
  maxBufferedBytes?: number; // stub output kept while no debugger is attached (default 1 MiB)
}

// Events: 'error' (Error, the emulator link could not be made), 'emulator-closed', 'client' (address).
export class DebugBridge extends EventEmitter {
  private server?: net.Server;
  private emulator?: net.Socket;
  private client?: net.Socket;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private toEmulator: Buffer[] = [];
  private closed = false;
  port = 0;

  constructor(private readonly o: DebugBridgeOptions) {
    super();
  }

  async start(): Promise<number> {
    const host = this.o.host ?? '127.0.0.1';
    this.server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen({ port: this.o.listenPort, host, exclusive: true }, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    void this.connectEmulator(host);
    return this.port;
  }

  private async connectEmulator(host: string): Promise<void> {
    const deadline = Date.now() + (this.o.connectTimeoutMs ?? 60000);
    while (!this.closed) {
      try {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const c = net.createConnection({ host, port: this.o.emulatorPort });
          c.once('connect', () => {
            c.removeAllListeners('error');
            resolve(c);
          });
          c.once('error', (e) => {
            c.destroy();
            reject(e);
          });
        });
        if (this.closed) {
          s.destroy();
          return;
        }
        s.setNoDelay(true);
        s.on('data', (d: Buffer) => this.fromEmulator(d));
        s.on('error', () => undefined);
        s.on('close', () => {
          this.emulator = undefined;
          this.emit('emulator-closed');
          this.client?.end();
        });
        this.emulator = s;
        for (const b of this.toEmulator) s.write(b);
        this.toEmulator = [];
        return;
      } catch (e) {
        if (Date.now() > deadline) {
          this.emit(
            'error',
            new Error(
              `debug link: emulator COM2 on port ${this.o.emulatorPort} did not accept: ${(e as Error).message}`,
            ),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, this.o.retryMs ?? 50));
      }
    }
  }

  private fromEmulator(d: Buffer): void {
    if (this.client) {
      this.client.write(d);
      return;
    }
    this.pending.push(d);
    this.pendingBytes += d.length;
    const max = this.o.maxBufferedBytes ?? 1 << 20;
    while (this.pendingBytes > max && this.pending.length) this.pendingBytes -= this.pending.shift()!.length;
  }

  private accept(s: net.Socket): void {
    if (this.client) {
      s.end(); // one debugger at a time, as a serial line
      return;
    }
    s.setNoDelay(true);
    this.client = s;
    this.emit('client', `${s.remoteAddress}:${s.remotePort}`);
    const kept = Buffer.concat(this.pending);
    const packet = kept.lastIndexOf(0x24); // '$'
    if (packet >= 0) s.write(kept.subarray(packet));
    this.pending = [];
    this.pendingBytes = 0;
    s.on('data', (d: Buffer) => {
      if (this.emulator) this.emulator.write(d);
      else this.toEmulator.push(d);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.client === s) this.client = undefined;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client?.destroy();
    this.emulator?.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
