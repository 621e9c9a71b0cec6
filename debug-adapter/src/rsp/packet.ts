// GDB Remote Serial Protocol framing (debug-adapter/PROTOCOL.md section 2): checksums, binary
// escapes, run-length expansion, a streaming frame decoder and an endpoint that acknowledges what
// it receives and retransmits what it sends until the peer acknowledges it.

export const MAX_PAYLOAD = 4096;
export const INTERRUPT = 0x03;

const DOLLAR = 0x24;
const HASH = 0x23;
const PLUS = 0x2b;
const MINUS = 0x2d;
const BRACE = 0x7d;
const STAR = 0x2a;

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

function toBytes(payload: Uint8Array | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
}

/** `$payload#cs`. The debugger side never run-length encodes. */
export function encodeFrame(payload: Uint8Array | string): Buffer {
  const body = toBytes(payload);
  const cs = checksum(body).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$', 'latin1'), body, Buffer.from(`#${cs}`, 'latin1')]);
}

function needsEscape(b: number): boolean {
  return b === HASH || b === DOLLAR || b === BRACE || b === STAR;
}

/** Binary escape of `#`, `$`, `}` and `*` (payloads of X, qXfer replies). */
export function escapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of data) {
    if (needsEscape(b)) out.push(BRACE, b ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

export class ProtocolError extends Error {}

export function unescapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === BRACE) {
      if (++i === data.length) throw new ProtocolError('binary data ends with a lone escape "}"');
      out.push(data[i] ^ 0x20);
    } else out.push(data[i]);
  }
  return Buffer.from(out);
}

/** Expands `c*n` runs (n - 29 more copies of c) of a stub's reply. */
export function expandRle(wire: Uint8Array): Buffer {
  const out: number[] = [];
  for (let i = 0; i < wire.length; i++) {
    if (wire[i] !== STAR) {
      out.push(wire[i]);
      continue;
    }
    if (out.length === 0) throw new ProtocolError('run-length "*" with no character to repeat');
    if (i + 1 === wire.length) throw new ProtocolError('run-length "*" without a count');
    const n = wire[++i] - 29;
    if (n < 3 || n > 97) throw new ProtocolError(`run-length count ${n} out of range`);
    const c = out[out.length - 1];
    for (let k = 0; k < n; k++) out.push(c);
  }
  return Buffer.from(out);
}

export type FrameEvent =
  | { kind: 'packet'; payload: Buffer } // good checksum: answer '+'
  | { kind: 'bad' } // bad checksum: answer '-'
  | { kind: 'big'; length: number } // good checksum, longer than maxPayload: answer '+'
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' };

export interface FrameDecoderOptions {
  /** Expand run-length encoding (true for what a stub sends, false for what gdb sends). */
  expandRle?: boolean;
  maxPayload?: number;
}

const enum RxState {
  Idle,
  Data,
  Cs1,
  Cs2,
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/**
 * The receive state machine of PROTOCOL.md section 2, fed any chunking of the byte stream. It
 * mirrors the stub's (hv-driver/stub/packet.c): the shared "rx" vectors hold both to it.
 */
export class FrameDecoder {
  private state = RxState.Idle;
  private sum = 0;
  private csHi = 0;
  private length = 0;
  private data: number[] = [];
  private readonly expand: boolean;
  private readonly max: number;

  constructor(options: FrameDecoderOptions = {}) {
    this.expand = options.expandRle ?? true;
    this.max = options.maxPayload ?? MAX_PAYLOAD;
  }

  /** True in the middle of a frame. */
  get busy(): boolean {
    return this.state !== RxState.Idle;
  }

  feed(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    for (const b of chunk) {
      const ev = this.feedByte(b);
      if (ev) events.push(ev);
    }
    return events;
  }

  private feedByte(b: number): FrameEvent | undefined {
    switch (this.state) {
      case RxState.Idle:
        if (b === DOLLAR) this.start();
        else if (b === INTERRUPT) return { kind: 'interrupt' };
        else if (b === PLUS) return { kind: 'ack' };
        else if (b === MINUS) return { kind: 'nack' };
        return undefined; // noise between packets
      case RxState.Data:
        if (b === DOLLAR) this.start();
        else if (b === HASH) this.state = RxState.Cs1;
        else {
          this.sum = (this.sum + b) & 0xff;
          if (this.length < this.max) this.data.push(b);
          this.length++;
        }
        return undefined;
      case RxState.Cs1:
        this.csHi = hexDigit(b);
        this.state = RxState.Cs2;
        return undefined;
      case RxState.Cs2: {
        const lo = hexDigit(b);
        this.state = RxState.Idle;
        if (lo < 0 || this.csHi < 0 || ((this.csHi << 4) | lo) !== this.sum) return { kind: 'bad' };
        if (this.length > this.max) return { kind: 'big', length: this.length };
        const raw = Buffer.from(this.data);
        this.data = [];
        if (!this.expand) return { kind: 'packet', payload: raw };
        try {
          return { kind: 'packet', payload: expandRle(raw) };
        } catch {
          return { kind: 'bad' }; // intact but undecodable: ask for it again
        }
      }
    }
  }

  private start(): void {
    this.state = RxState.Data;
    this.sum = 0;
    this.length = 0;
    this.data = [];
  }
}

/** Timers, injected so tests drive time by hand. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface EndpointOptions extends FrameDecoderOptions {
  /** Wait for '+' this long before sending the packet again. */
  ackTimeoutMs?: number;
  /** Transmissions of one packet before giving up. */
  retries?: number;
  clock?: Clock;
}

export class LinkError extends Error {}

interface Pending {
  frame: Buffer;
  attempts: number;
  timer?: unknown;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * One side of an RSP link. Incoming packets are acknowledged and handed to onPacket; send()
 * resolves once the peer acknowledged the packet, retransmitting on '-' and on timeouts. One
 * packet is in flight at a time; later sends queue behind it.
 */
export class RspEndpoint {
  readonly stats = { sent: 0, retransmits: 0, received: 0, badPackets: 0, oversized: 0 };
  onPacket: (payload: Buffer) => void = () => {};
  onInterrupt: () => void = () => {};
  onOversized: (length: number) => void = () => {};

  private readonly decoder: FrameDecoder;
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly clock: Clock;
  private pending?: Pending;
  private readonly queue: Pending[] = [];
  private closedReason?: string;

  constructor(
    private readonly write: (bytes: Buffer) => void,
    options: EndpointOptions = {},
  ) {
    this.decoder = new FrameDecoder(options);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 500;
    this.retries = options.retries ?? 8;
    this.clock = options.clock ?? systemClock;
  }

  /** Bytes from the transport. */
  receive(chunk: Uint8Array): void {
    for (const ev of this.decoder.feed(chunk)) {
      switch (ev.kind) {
        case 'packet':
          this.write(Buffer.from('+', 'latin1'));
          this.stats.received++;
          // A packet from the peer while ours waits for its ack: the ack was lost.
          if (this.pending) this.acknowledged();
          this.onPacket(ev.payload);
          break;
        case 'big':
          this.write(Buffer.from('+', 'latin1'));
          this.stats.oversized++;
          this.onOversized(ev.length);
          break;
        case 'bad':
          this.write(Buffer.from('-', 'latin1'));
          this.stats.badPackets++;
          break;
        case 'ack':
          if (this.pending) this.acknowledged();
          break;
        case 'nack':
          if (this.pending) this.transmit(this.pending);
          break;
        case 'interrupt':
          this.onInterrupt();
          break;
      }
    }
  }

  send(payload: Uint8Array | string): Promise<void> {
    if (this.closedReason !== undefined) return Promise.reject(new LinkError(this.closedReason));
    const body = toBytes(payload);
    if (body.length > MAX_PAYLOAD) {
      return Promise.reject(new LinkError(`packet of ${body.length} bytes exceeds ${MAX_PAYLOAD}`));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { frame: encodeFrame(body), attempts: 0, resolve, reject };
      if (this.pending) this.queue.push(p);
      else this.start(p);
    });
  }

  /** Ctrl-C: asks a running target to stop. */
  interrupt(): void {
    this.write(Buffer.from([INTERRUPT]));
  }

  /** Fails every packet waiting and every later send (the transport closed). */
  close(reason = 'link closed'): void {
    this.closedReason = reason;
    const all = this.pending ? [this.pending, ...this.queue] : [...this.queue];
    this.queue.length = 0;
    if (this.pending?.timer !== undefined) this.clock.clearTimeout(this.pending.timer);
    this.pending = undefined;
    for (const p of all) p.reject(new LinkError(reason));
  }

  private start(p: Pending): void {
    this.pending = p;
    this.stats.sent++;
    this.transmit(p);
  }

  private transmit(p: Pending): void {
    if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
    if (p.attempts === this.retries) {
      this.pending = undefined;
      p.reject(new LinkError(`no acknowledgment after ${this.retries} transmissions`));
      this.next();
      return;
    }
    if (p.attempts > 0) this.stats.retransmits++;
    p.attempts++;
    this.write(p.frame);
    p.timer = this.clock.setTimeout(() => {
      p.timer = undefined;
      if (this.pending === p) this.transmit(p);
    }, this.ackTimeoutMs);
  }

  private acknowledged(): void {
    const p = this.pending;
    if (!p) return;
    if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
    this.pending = undefined;
    p.resolve();
    this.next();
  }

  private next(): void {
    const n = this.queue.shift();
    if (n) this.start(n);
  }
}
