// GDB Remote Serial Protocol framing: splits a byte stream into packets ($data#cs), notifications
// (%data#cs), acks (+/-) and the interrupt byte (0x03), and builds packets. Only framing lives here:
// what a packet means is the caller's business. Run-length decoding is offered for replies.

export type RspItem =
  | { kind: 'packet'; data: string; raw: Buffer; checksumOk: boolean }
  | { kind: 'notification'; data: string; raw: Buffer }
  | { kind: 'ack'; raw: Buffer }
  | { kind: 'nack'; raw: Buffer }
  | { kind: 'interrupt'; raw: Buffer }
  | { kind: 'junk'; raw: Buffer }; // bytes outside any frame (line noise, a console mixed in)

export function checksum(data: string | Buffer): number {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let sum = 0;
  for (const x of b) sum = (sum + x) & 0xff;
  return sum;
}

// Escape the bytes RSP reserves ($ # } *) in a binary payload (X packets, qXfer replies).
export function escapeBinary(data: Buffer): Buffer {
  const out: number[] = [];
  for (const x of data) {
    if (x === 0x23 || x === 0x24 || x === 0x7d || x === 0x2a) out.push(0x7d, x ^ 0x20);
    else out.push(x);
  }
  return Buffer.from(out);
}

export function encodePacket(data: string): Buffer {
  return Buffer.from(`$${data}#${checksum(data).toString(16).padStart(2, '0')}`, 'latin1');
}

// Expand run-length encoding ("0*%" = '0' repeated 1 + ('%' - 29) more times) found in replies.
export function decodeRunLength(data: string): string {
  if (!data.includes('*')) return data;
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c === '*' && out.length > 0 && i + 1 < data.length) {
      const count = data.charCodeAt(i + 1) - 29;
      out += out[out.length - 1].repeat(count);
      i++;
    } else {
      out += c;
    }
  }
  return out;
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
