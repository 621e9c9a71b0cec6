// The adapter owns the debug link; gdb talks through it. A local TCP endpoint takes gdb's RSP and
// forwards it byte for byte, while a framer on each direction tracks who has a packet in flight and
// whether the target runs. The adapter's own queries (hypervisor packets, memory reads for symbol
// discovery) go out only when gdb has nothing in flight and the target is stopped; while it runs
// they wait, and a gdb packet arriving during an adapter query waits for that query's reply.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import { Link } from './link';
import { decodeRunLength, encodePacket, isStopReply, resumesTarget, RspFramer, RspItem } from './rspFramer';

const MIN_DRAIN_MS = 1000;

interface AdapterQuery {
  data: string;
  resolve: (reply: string) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface LinkCounters {
  toTarget: number; // bytes written on the link (gdb's and the adapter's)
  fromTarget: number;
  adapterToTarget: number; // of which the adapter's own queries
  adapterFromTarget: number;
}

// Events: 'stop' (stop reply text), 'gdb-connected', 'gdb-disconnected', 'close' (reason).
export class LinkProxy extends EventEmitter {
  private server?: net.Server;
  private gdb?: net.Socket;
  private readonly fromTarget = new RspFramer();
  private readonly fromGdb = new RspFramer();
  private owner: 'gdb' | 'adapter' | null = null;
  private gdbPacket = ''; // the packet gdb has in flight
  private readonly heldFromGdb: Buffer[] = []; // gdb bytes that arrived during an adapter query
  private readonly queue: AdapterQuery[] = [];
  private current?: AdapterQuery;
  private ackMode = true;
  private draining?: NodeJS.Timeout; // after a timed-out adapter query, until its reply or the drain ends
  private runningState = false;
  private closedReason?: string;
  private log?: fs.WriteStream;
  private readonly t0 = Date.now();
  readonly counters: LinkCounters = { toTarget: 0, fromTarget: 0, adapterToTarget: 0, adapterFromTarget: 0 };

  constructor(
    private readonly link: Link,
    opts: { logFile?: string } = {},
  ) {
    super();
    if (opts.logFile) {
      this.log = fs.createWriteStream(opts.logFile, { flags: 'w' });
      this.log.write(`# uefi-hv link log: ${link.description}; ms since open, direction, bytes\n`);
    }
    link.on('data', (d: Buffer) => this.onTarget(d));
    link.on('close', (reason: string) => this.onLinkClosed(reason));
  }

  get running(): boolean {
    return this.runningState;
  }
  get closed(): string | undefined {
    return this.closedReason;
  }

  // Listen for gdb on 127.0.0.1; resolves with the port.
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((s) => this.acceptGdb(s));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      this.server = server;
    });
  }

  // One adapter query: a packet out, its reply back (run-length decoded). Waits for its turn.
  query(data: string, timeoutMs: number): Promise<string> {
    if (this.closedReason) return Promise.reject(new Error(`link closed: ${this.closedReason}`));
    return new Promise((resolve, reject) => {
      const q: AdapterQuery = { data, resolve, reject };
      q.timer = setTimeout(() => {
        const i = this.queue.indexOf(q);
        if (i >= 0) this.queue.splice(i, 1);
        if (this.current === q) {
          // RSP has no sequence numbers: the late reply must not reach whoever speaks next. Keep
          // the link (gdb held, queries queued) for a drain period; a reply in it is swallowed,
          // after it the reply counts as lost.
          this.current = undefined;
          this.draining = setTimeout(() => this.endDrain(), Math.max(timeoutMs, MIN_DRAIN_MS));
        }
        reject(new Error(`no reply to '${data.slice(0, 40)}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.queue.push(q);
      this.pump();
    });
  }

  // Resume the target on the adapter's behalf (before gdb is attached); 'stop' says when it stops.
  resume(data = 'c'): void {
    if (this.gdb) throw new Error('gdb owns execution control once attached');
    this.writeTarget(encodePacket(data), 'hv>', true);
    this.runningState = true;
  }

  interrupt(): void {
    if (this.runningState) this.writeTarget(Buffer.from([3]), 'hv>', true);
  }

  // Wait for the next stop reply (adapter-driven execution before gdb attaches).
  waitStop(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('stop', onStop);
        reject(new Error(`target did not stop within ${timeoutMs} ms`));
      }, timeoutMs);
      const onStop = (reply: string): void => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.once('stop', onStop);
    });
  }

  close(reason = 'closed by the adapter'): void {
    this.link.close();
    this.onLinkClosed(reason);
  }

  private acceptGdb(s: net.Socket): void {
    if (this.gdb || this.closedReason) {
      s.destroy(); // one debugger at a time
      return;
    }
    this.gdb = s;
    s.setNoDelay(true);
    s.on('data', (d) => this.onGdb(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      this.gdb = undefined;
      if (this.owner === 'gdb') this.owner = null;
      this.emit('gdb-disconnected');
      this.pump();
    });
    this.emit('gdb-connected');
  }

  private record(dir: string, raw: Buffer): void {
    if (this.log)
      this.log.write(`${Date.now() - this.t0} ${dir} ${JSON.stringify(raw.toString('latin1'))}\n`);
  }

  private writeTarget(raw: Buffer, dir: string, adapter: boolean): void {
    this.counters.toTarget += raw.length;
    if (adapter) this.counters.adapterToTarget += raw.length;
    this.record(dir, raw);
    this.link.write(raw);
  }

  private onGdb(chunk: Buffer): void {
    if (this.owner === 'adapter') {
      this.heldFromGdb.push(chunk);
      return;
    }
    for (const item of this.fromGdb.push(chunk)) this.fromGdbItem(item);
  }

  private fromGdbItem(item: RspItem): void {
    if (item.kind === 'packet') {
      this.owner = resumesTarget(item.data) ? null : 'gdb';
      this.gdbPacket = item.data;
      if (resumesTarget(item.data)) this.runningState = true;
    }
    this.writeTarget(item.raw, 'gdb>', false);
  }

  private onTarget(chunk: Buffer): void {
    this.counters.fromTarget += chunk.length;
    for (const item of this.fromTarget.push(chunk)) {
      const forAdapter = this.owner === 'adapter' || (!this.gdb && item.kind !== 'junk');
      if (forAdapter) this.counters.adapterFromTarget += item.raw.length;
      this.record(forAdapter ? '<hv' : '<tgt', item.raw);
      if (item.kind === 'packet') this.targetPacket(item.data, item.raw);
      else if (item.kind === 'nack' && this.owner === 'adapter' && this.current) {
        this.writeTarget(encodePacket(this.current.data), 'hv>', true); // resend
      } else if (!forAdapter) this.gdb?.write(item.raw);
    }
  }

  private targetPacket(data: string, raw: Buffer): void {
    if (this.owner === 'adapter') {
      if (this.ackMode) this.writeTarget(Buffer.from('+'), 'hv>', true);
      if (this.draining) {
        this.endDrain(); // the late reply of a timed-out query: swallowed
        return;
      }
      const q = this.current;
      this.current = undefined;
      this.owner = null;
      if (q) {
        clearTimeout(q.timer);
        q.resolve(decodeRunLength(data));
      }
      this.releaseGdb();
      this.pump();
      return;
    }
    if (!this.gdb) {
      // Adapter-driven run (before gdb attaches): a stop reply or console output.
      if (this.ackMode) this.writeTarget(Buffer.from('+'), 'hv>', true);
      if (this.runningState && isStopReply(data)) {
        this.runningState = false;
        this.emit('stop', decodeRunLength(data));
        this.pump();
      }
      return;
    }
    if (this.owner === 'gdb') {
      this.owner = null;
      if (this.gdbPacket === 'QStartNoAckMode' && data === 'OK') this.ackMode = false;
    } else if (this.runningState && isStopReply(data)) {
      this.runningState = false;
      this.emit('stop', decodeRunLength(data));
    }
    this.gdb.write(raw);
    // gdb reacts to a stop within a millisecond or two; the adapter's queries slot in between.
    setImmediate(() => this.pump());
  }

  private endDrain(): void {
    if (!this.draining) return;
    clearTimeout(this.draining);
    this.draining = undefined;
    this.owner = null;
    this.releaseGdb();
    this.pump();
  }

  private releaseGdb(): void {
    const held = this.heldFromGdb.splice(0);
    for (const chunk of held) {
      for (const item of this.fromGdb.push(chunk)) this.fromGdbItem(item);
    }
  }

  private pump(): void {
    if (this.owner !== null || this.runningState || this.current || this.closedReason) return;
    const q = this.queue.shift();
    if (!q) return;
    this.current = q;
    this.owner = 'adapter';
    this.writeTarget(encodePacket(q.data), 'hv>', true);
  }

  private onLinkClosed(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.record('--', Buffer.from(`closed: ${reason}`));
    if (this.draining) clearTimeout(this.draining);
    for (const q of [...(this.current ? [this.current] : []), ...this.queue.splice(0)]) {
      clearTimeout(q.timer);
      q.reject(new Error(`link closed: ${reason}`));
    }
    this.current = undefined;
    this.gdb?.destroy();
    this.server?.close();
    this.log?.end();
    this.emit('close', reason);
  }
}
