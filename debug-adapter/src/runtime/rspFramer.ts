// GDB Remote Serial Protocol framing: splits a byte stream into packets ($data#cs), notifications
// (%data#cs), acks (+/-) and the interrupt byte (0x03), and builds packets. Only framing lives here:
// what a packet means is the caller's business. Run-length decoding is offered for replies.
import { checksum, encodeFrame, expandRle } from '../rsp/packet';

export type RspItem =
  | { kind: 'packet'; data: string; raw: Buffer; checksumOk: boolean }
  | { kind: 'notification'; data: string; raw: Buffer }
  | { kind: 'ack'; raw: Buffer }
  | { kind: 'nack'; raw: Buffer }
  | { kind: 'interrupt'; raw: Buffer }
  | { kind: 'junk'; raw: Buffer }; // bytes outside any frame (line noise, a console mixed in)

// The codec (checksum, frame, run-length expansion) is the one the protocol tests pin down in
// rsp/packet.ts; this file only adds the pass-through splitter the proxy needs (raw bytes kept,
// notifications and junk reported instead of dropped).
export function encodePacket(data: string): Buffer {
  return encodeFrame(data);
}

// Expand run-length encoding ("0*%" = '0' repeated 1 + ('%' - 29) more times) found in replies.
export function decodeRunLength(data: string): string {
  if (!data.includes('*')) return data;
  return expandRle(Buffer.from(data, 'latin1')).toString('latin1');
}

// Incremental parser: push() bytes as they arrive, get back complete items in order.
export class RspFramer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RspItem[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const items: RspItem[] = [];
    let i = 0;
    while (i < this.buf.length) {
      const c = this.buf[i];
      if (c === 0x2b) {
        items.push({ kind: 'ack', raw: this.buf.subarray(i, i + 1) });
        i++;
      } else if (c === 0x2d) {
        items.push({ kind: 'nack', raw: this.buf.subarray(i, i + 1) });
        i++;
      } else if (c === 0x03) {
        items.push({ kind: 'interrupt', raw: this.buf.subarray(i, i + 1) });
        i++;
      } else if (c === 0x24 || c === 0x25) {
        const hash = this.buf.indexOf(0x23, i + 1);
        if (hash < 0 || hash + 2 >= this.buf.length) break; // frame not complete yet
        const raw = Buffer.from(this.buf.subarray(i, hash + 3));
        const body = this.buf.subarray(i + 1, hash);
        const data = body.toString('latin1');
        if (c === 0x25) items.push({ kind: 'notification', data, raw });
        else {
          const sent = parseInt(this.buf.subarray(hash + 1, hash + 3).toString('latin1'), 16);
          items.push({ kind: 'packet', data, raw, checksumOk: sent === checksum(body) });
        }
        i = hash + 3;
      } else {
        let j = i;
        while (j < this.buf.length && ![0x2b, 0x2d, 0x03, 0x24, 0x25].includes(this.buf[j])) j++;
        items.push({ kind: 'junk', raw: Buffer.from(this.buf.subarray(i, j)) });
        i = j;
      }
    }
    this.buf = Buffer.from(this.buf.subarray(i));
    return items;
  }
}

// Stop replies: S (signal), T (signal + registers/info), W/X (process ended). 'O' is console output.
export function isStopReply(data: string): boolean {
  return /^[STWX][0-9a-fA-F]{2}/.test(data) || data === 'W' || data === 'X';
}

// Packets after which the target runs until it stops: its reply is a stop reply, not an immediate one.
export function resumesTarget(data: string): boolean {
  if (/^[cCsS]/.test(data)) return true;
  if (data.startsWith('vCont;')) return true;
  return false;
}
