// Request/reply on top of an RspEndpoint: the debugger side of the link (all-stop). One request is
// outstanding at a time; `O` console packets that arrive before a reply are collected as output;
// a resume returns the stop reply that ends it. Transport-free: the caller wires write/receive.
import { EndpointOptions, RspEndpoint } from './packet';
import { StopReply, checkError, decodeConsoleOutput, decodeStopReply } from './hvPackets';

export class RspTimeoutError extends Error {}

export interface ClientOptions extends EndpointOptions {
  /** How long a request waits for its reply. */
  replyTimeoutMs?: number;
}

interface Waiter {
  resolve: (payload: string) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export class RspClient {
  readonly endpoint: RspEndpoint;
  /** Console output (O packets) as it arrives, e.g. from monitor commands. */
  onOutput: (text: string) => void = () => {};
  private readonly replyTimeoutMs: number;
  private waiter?: Waiter;
  private chain: Promise<unknown> = Promise.resolve();
  private output = '';
  /** A packet nobody waits for (all-stop stubs send none; a stale reply after a timeout). */
  onUnexpected: (payload: string) => void = () => {};

  constructor(write: (bytes: Buffer) => void, options: ClientOptions = {}) {
    this.endpoint = new RspEndpoint(write, options);
    this.replyTimeoutMs = options.replyTimeoutMs ?? 5000;
    this.endpoint.onPacket = (p) => this.packet(p.toString('latin1'));
  }

  /** Bytes from the transport. */
  receive(chunk: Uint8Array): void {
    this.endpoint.receive(chunk);
  }

  /** Sends a packet and returns its reply (an `Exx` reply is returned, not thrown). */
  request(payload: string, timeoutMs = this.replyTimeoutMs): Promise<string> {
    const run = async (): Promise<string> => {
      const reply = this.nextPacket(timeoutMs);
      try {
        await this.endpoint.send(payload);
      } catch (e) {
        this.cancel(e as Error);
      }
      return reply;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** A monitor command: its text output; an `Exx` reply throws. */
  async monitor(command: string): Promise<string> {
    this.output = '';
    const reply = await this.request(`qRcmd,${Buffer.from(command, 'latin1').toString('hex')}`);
    checkError(reply, `monitor ${command}`);
    const text = this.output + (reply === 'OK' ? '' : (decodeConsoleOutput(`O${reply}`) ?? ''));
    this.output = '';
    return text;
  }

  /** Resumes (c, s, vCont...) and waits for the stop reply, as long as the target runs. */
  async resume(payload: string, timeoutMs = Number.POSITIVE_INFINITY): Promise<StopReply> {
    return decodeStopReply(await this.request(payload, timeoutMs));
  }

  /** Ctrl-C: the pending resume() then returns the stop (signal 2). */
  interrupt(): void {
    this.endpoint.interrupt();
  }

  close(reason = 'link closed'): void {
    this.endpoint.close(reason);
    this.cancel(new Error(reason));
  }

  private packet(s: string): void {
    const text = decodeConsoleOutput(s);
    if (text !== undefined) {
      this.output += text;
      this.onOutput(text);
      return;
    }
    const w = this.waiter;
    if (!w) {
      this.onUnexpected(s);
      return;
    }
    this.waiter = undefined;
    if (w.timer) clearTimeout(w.timer);
    w.resolve(s);
  }

  private nextPacket(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      if (Number.isFinite(timeoutMs)) {
        w.timer = setTimeout(() => {
          if (this.waiter === w) this.waiter = undefined;
          reject(new RspTimeoutError(`no reply within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiter = w;
    });
  }

  private cancel(e: Error): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(e);
    }
  }
}
