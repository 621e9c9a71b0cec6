// Encoders and decoders of the hypervisor packets (qHv.* / QHv.*) and of stop replies, protocol
// version 1 (debug-adapter/PROTOCOL.md section 5). Every 64-bit value is a BigInt.

export const PROTOCOL_VERSION = 1;

/** An `Exx` reply. */
export class HvError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`${what}: stub error E${code.toString(16).padStart(2, '0')} (${errorMeaning(code)})`);
  }
}

const ERROR_MEANINGS: Record<number, string> = {
  0x00: 'unknown object',
  0x01: 'malformed packet',
  0x02: 'bad length',
  0x03: 'memory fault',
  0x04: 'no such thread',
  0x05: 'protected range',
  0x06: 'no free slot',
  0x07: 'not found',
  0x08: 'read-only VMCS field',
  0x09: 'no current VMCS',
  0x0a: 'VMREAD/VMWRITE failed',
  0x0b: 'unknown register',
  0x0c: 'unsupported paging mode',
};

export function errorMeaning(code: number): string {
  return ERROR_MEANINGS[code] ?? 'unknown error';
}

export class DecodeError extends Error {}

const HEX_U64 = /^[0-9a-fA-F]{1,16}$/;

/** 1..16 hex digits (either case) to a BigInt; anything else throws. */
export function parseHexU64(text: string): bigint {
  if (!HEX_U64.test(text)) throw new DecodeError(`not a 64-bit hex number: "${text}"`);
  return BigInt(`0x${text}`);
}

/** Minimal lower-case hex, as the protocol writes numbers. */
export function hex(v: bigint | number): string {
  if (typeof v === 'number' && (!Number.isSafeInteger(v) || v < 0)) {
    throw new RangeError(`not a non-negative integer: ${v}`);
  }
  const b = BigInt(v);
  if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError(`not a 64-bit value: ${b}`);
  return b.toString(16);
}

/** Throws HvError on an `Exx` reply. */
export function checkError(reply: string, what: string): void {
  const m = /^E([0-9a-fA-F]{2})$/.exec(reply);
  if (m) throw new HvError(parseInt(m[1], 16), what);
}

export function decodeOk(reply: string, what: string): void {
  checkError(reply, what);
  if (reply !== 'OK') throw new DecodeError(`${what}: expected OK, got "${reply}"`);
}

/** `key:value;key:value` items in order. */
function items(reply: string, what: string): Array<[string, string]> {
  if (reply === '') return [];
  return reply.split(';').map((item) => {
    const i = item.indexOf(':');
    if (i <= 0) throw new DecodeError(`${what}: malformed item "${item}"`);
    return [item.slice(0, i), item.slice(i + 1)];
  });
}

function hexBytes(text: string, what: string): Buffer {
  if (text.length % 2 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new DecodeError(`${what}: malformed hex data`);
  }
  return Buffer.from(text, 'hex');
}

// ---- requests ---------------------------------------------------------------------------------
export type GuestRegister =
  | 'rax'
  | 'rbx'
  | 'rcx'
  | 'rdx'
  | 'rsi'
  | 'rdi'
  | 'rbp'
  | 'rsp'
  | 'r8'
  | 'r9'
  | 'r10'
  | 'r11'
  | 'r12'
  | 'r13'
  | 'r14'
  | 'r15'
  | 'rip'
  | 'rflags'
  | 'cr0'
  | 'cr2'
  | 'cr3'
  | 'cr4'
  | 'dr7'
  | 'efer';

export const GUEST_REGISTERS: readonly GuestRegister[] = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'rsp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rflags',
  'cr0',
  'cr2',
  'cr3',
  'cr4',
  'dr7',
  'efer',
];

export const MAX_VMCS_FIELDS_PER_PACKET = 256;
export const MAX_MEMORY_PER_PACKET = 2047;
export const ANY_EXIT_REASON = 0xffff;

/** Exit-breakpoint filters (PROTOCOL.md 5.9); ranges are inclusive. */
export interface ExitBreakpointFilters {
  cpu?: number;
  leaf?: number;
  subleaf?: number;
  msr?: number;
  port?: { lo: number; hi: number };
  dir?: 'in' | 'out';
  cr?: number;
  gpa?: { lo: bigint; hi: bigint };
}

export interface ExitBreakpoint extends ExitBreakpointFilters {
  id: number;
  /** Basic exit reason, or ANY_EXIT_REASON. */
  reason: number;
}

function range(r: { lo: bigint | number; hi: bigint | number }): string {
  return BigInt(r.lo) === BigInt(r.hi) ? hex(r.lo) : `${hex(r.lo)}-${hex(r.hi)}`;
}

/** Filters in the protocol's canonical order. */
function filterItems(f: ExitBreakpointFilters): string[] {
  const out: string[] = [];
  if (f.cpu !== undefined) out.push(`cpu=${hex(f.cpu)}`);
  if (f.leaf !== undefined) out.push(`leaf=${hex(f.leaf)}`);
  if (f.subleaf !== undefined) out.push(`subleaf=${hex(f.subleaf)}`);
  if (f.msr !== undefined) out.push(`msr=${hex(f.msr)}`);
  if (f.port !== undefined) out.push(`port=${range(f.port)}`);
  if (f.dir !== undefined) out.push(`dir=${f.dir}`);
  if (f.cr !== undefined) out.push(`cr=${hex(f.cr)}`);
  if (f.gpa !== undefined) out.push(`gpa=${range(f.gpa)}`);
  return out;
}

export const hvRequest = {
  info: (): string => 'qHv.info',
  vmcsAll: (): string => 'qHv.vmcs',
  vmcsRead(encodings: readonly number[]): string {
    if (encodings.length === 0 || encodings.length > MAX_VMCS_FIELDS_PER_PACKET) {
      throw new RangeError(`1 to ${MAX_VMCS_FIELDS_PER_PACKET} VMCS fields per packet`);
    }
    return `qHv.vmcs:${encodings.map(hex).join(',')}`;
  },
  vmcsWrite(fields: ReadonlyArray<readonly [number, bigint]>): string {
    if (fields.length === 0) throw new RangeError('no VMCS field to write');
    return `QHv.vmcs:${fields.map(([e, v]) => `${hex(e)}=${hex(v)}`).join(';')}`;
  },
  gregsRead: (): string => 'qHv.gregs',
  gregsWrite(regs: ReadonlyArray<readonly [GuestRegister, bigint]>): string {
    if (regs.length === 0) throw new RangeError('no guest register to write');
    return `QHv.gregs:${regs.map(([r, v]) => `${r}=${hex(v)}`).join(';')}`;
  },
  ept: (gpa: bigint): string => `qHv.ept:${hex(gpa)}`,
  gva: (gva: bigint, cr3?: bigint): string =>
    cr3 === undefined ? `qHv.gva:${hex(gva)}` : `qHv.gva:${hex(gva)},${hex(cr3)}`,
  gpmRead(gpa: bigint, length: number): string {
    if (length > MAX_MEMORY_PER_PACKET) throw new RangeError(`at most ${MAX_MEMORY_PER_PACKET} bytes`);
    return `qHv.gpm:${hex(gpa)},${hex(length)}`;
  },
  gpmWrite(gpa: bigint, data: Uint8Array): string {
    if (data.length > MAX_MEMORY_PER_PACKET) throw new RangeError(`at most ${MAX_MEMORY_PER_PACKET} bytes`);
    return `QHv.gpm:${hex(gpa)},${hex(data.length)}:${Buffer.from(data).toString('hex')}`;
  },
  exits: (thread?: number): string => (thread === undefined ? 'qHv.exits' : `qHv.exits:${hex(thread)}`),
  exitsReset: (): string => 'QHv.exits.reset',
  reset: (): string => 'QHv.reset',
  exitBreakpointSet(bp: ExitBreakpoint): string {
    if (bp.id < 0 || bp.id > 15) throw new RangeError('exit breakpoint ids are 0..15');
    return ['QHv.exitbp:' + hex(bp.id), hex(bp.reason), ...filterItems(bp)].join(',');
  },
  exitBreakpointDelete: (id?: number): string =>
    id === undefined ? 'QHv.exitbp.del' : `QHv.exitbp.del:${hex(id)}`,
  exitBreakpointList: (): string => 'qHv.exitbp',
};

// ---- replies ----------------------------------------------------------------------------------
export interface HvInfo {
  proto: number;
  version: string;
  cpus: number;
  imageBase: bigint;
  imageSize: bigint;
  caps: string[];
}

export function decodeInfo(reply: string): HvInfo {
  checkError(reply, 'qHv.info');
  const m = new Map(items(reply, 'qHv.info'));
  const need = (k: string): string => {
    const v = m.get(k);
    if (v === undefined) throw new DecodeError(`qHv.info: no "${k}"`);
    return v;
  };
  return {
    proto: Number(parseHexU64(need('proto'))),
    version: hexBytes(need('version'), 'qHv.info version').toString('latin1'),
    cpus: Number(parseHexU64(need('cpus'))),
    imageBase: parseHexU64(need('base')),
    imageSize: parseHexU64(need('size')),
    caps: need('caps') === '' ? [] : need('caps').split('.'),
  };
}

/** Reply to qHv.vmcs:<list>: encoding -> value, undefined where the CPU lacks the field. */
export function decodeVmcsValues(
  encodings: readonly number[],
  reply: string,
): Map<number, bigint | undefined> {
  checkError(reply, 'qHv.vmcs');
  const values = reply.split(',');
  if (values.length !== encodings.length) {
    throw new DecodeError(`qHv.vmcs: ${values.length} values for ${encodings.length} fields`);
  }
  const out = new Map<number, bigint | undefined>();
  encodings.forEach((e, i) => out.set(e, values[i] === '-' ? undefined : parseHexU64(values[i])));
  return out;
}

/** Reply to qHv.vmcs: every supported field. */
export function decodeVmcsAll(reply: string): Map<number, bigint> {
  checkError(reply, 'qHv.vmcs');
  const out = new Map<number, bigint>();
  if (reply === '') return out;
  for (const pair of reply.split(',')) {
    const [e, v, extra] = pair.split('=');
    if (v === undefined || extra !== undefined) throw new DecodeError(`qHv.vmcs: malformed "${pair}"`);
    out.set(Number(parseHexU64(e)), parseHexU64(v));
  }
  return out;
}

export function decodeGuestRegisters(reply: string): Map<string, bigint> {
  checkError(reply, 'qHv.gregs');
  return new Map(items(reply, 'qHv.gregs').map(([k, v]) => [k, parseHexU64(v)]));
}

export interface WalkLevel {
  level: number; // 4 = top (PML4)
  table: bigint; // physical address of the table (guest-physical for guest levels)
  entry: bigint;
}

export interface EptWalk {
  eptp: bigint;
  levels: WalkLevel[];
  /** Translated: host-physical address, page size, EPT memory type. */
  hpa?: bigint;
  pageSize?: bigint;
  memoryType?: number;
  /** Not present at this level. */
  missAt?: number;
  /** Misconfigured at this level. */
  badAt?: number;
}

export interface GvaWalk {
  cr3: bigint;
  levels: WalkLevel[];
  /** Not present in the guest's tables at this level. */
  missAt?: number;
  gpa?: bigint;
  ept?: EptWalk;
}

function level(key: string, prefix: string, value: string, what: string): WalkLevel {
  const n = Number(key.slice(prefix.length));
  const [table, entry, extra] = value.split(',');
  if (!(n >= 1 && n <= 4) || entry === undefined || extra !== undefined) {
    throw new DecodeError(`${what}: malformed level "${key}:${value}"`);
  }
  return { level: n, table: parseHexU64(table), entry: parseHexU64(entry) };
}

/** Consumes the EPT part of a walk reply (from "eptp"). */
function eptFrom(list: Array<[string, string]>, start: number, what: string): EptWalk {
  if (list[start]?.[0] !== 'eptp') throw new DecodeError(`${what}: no eptp`);
  const w: EptWalk = { eptp: parseHexU64(list[start][1]), levels: [] };
  for (const [k, v] of list.slice(start + 1)) {
    if (/^e[1-4]$/.test(k)) w.levels.push(level(k, 'e', v, what));
    else if (k === 'hpa') w.hpa = parseHexU64(v);
    else if (k === 'size') w.pageSize = parseHexU64(v);
    else if (k === 'mt') w.memoryType = Number(parseHexU64(v));
    else if (k === 'miss') w.missAt = Number(parseHexU64(v));
    else if (k === 'bad') w.badAt = Number(parseHexU64(v));
    // later protocol versions may add keys: ignored
  }
  return w;
}

export function decodeEptWalk(reply: string): EptWalk {
  checkError(reply, 'qHv.ept');
  return eptFrom(items(reply, 'qHv.ept'), 0, 'qHv.ept');
}

export function decodeGvaWalk(reply: string): GvaWalk {
  checkError(reply, 'qHv.gva');
  const list = items(reply, 'qHv.gva');
  if (list[0]?.[0] !== 'cr3') throw new DecodeError('qHv.gva: no cr3');
  const w: GvaWalk = { cr3: parseHexU64(list[0][1]), levels: [] };
  for (let i = 1; i < list.length; i++) {
    const [k, v] = list[i];
    if (/^g[1-4]$/.test(k)) w.levels.push(level(k, 'g', v, 'qHv.gva'));
    else if (k === 'gmiss') w.missAt = Number(parseHexU64(v));
    else if (k === 'gpa') w.gpa = parseHexU64(v);
    else if (k === 'eptp') {
      w.ept = eptFrom(list, i, 'qHv.gva');
      break;
    }
  }
  return w;
}

/** Reply to qHv.gpm (and m): the bytes read, possibly fewer than asked. */
export function decodeMemory(reply: string, what = 'qHv.gpm'): Buffer {
  checkError(reply, what);
  return hexBytes(reply, what);
}

/** Reply to qHv.exits: basic exit reason -> count. */
export function decodeExitCounters(reply: string): Map<number, bigint> {
  checkError(reply, 'qHv.exits');
  const out = new Map<number, bigint>();
  if (reply === '') return out;
  for (const pair of reply.split(',')) {
    const [r, c, extra] = pair.split('=');
    if (c === undefined || extra !== undefined) throw new DecodeError(`qHv.exits: malformed "${pair}"`);
    out.set(Number(parseHexU64(r)), parseHexU64(c));
  }
  return out;
}

export interface ListedExitBreakpoint extends ExitBreakpoint {
  hits: bigint;
}

function parseRange(v: string, what: string): { lo: bigint; hi: bigint } {
  const [lo, hi, extra] = v.split('-');
  if (extra !== undefined) throw new DecodeError(`${what}: malformed range "${v}"`);
  const l = parseHexU64(lo);
  return { lo: l, hi: hi === undefined ? l : parseHexU64(hi) };
}

export function decodeExitBreakpoints(reply: string): ListedExitBreakpoint[] {
  const what = 'qHv.exitbp';
  checkError(reply, what);
  if (reply === '') return [];
  return reply.split(';').map((entry) => {
    const [id, reason, ...rest] = entry.split(',');
    if (reason === undefined) throw new DecodeError(`${what}: malformed entry "${entry}"`);
    const bp: ListedExitBreakpoint = {
      id: Number(parseHexU64(id)),
      reason: Number(parseHexU64(reason)),
      hits: 0n,
    };
    for (const kv of rest) {
      const i = kv.indexOf('=');
      const k = kv.slice(0, i);
      const v = kv.slice(i + 1);
      if (i <= 0) throw new DecodeError(`${what}: malformed filter "${kv}"`);
      if (k === 'hits') bp.hits = parseHexU64(v);
      else if (k === 'cpu' || k === 'leaf' || k === 'subleaf' || k === 'msr' || k === 'cr') {
        bp[k] = Number(parseHexU64(v));
      } else if (k === 'port') {
        const r = parseRange(v, what);
        bp.port = { lo: Number(r.lo), hi: Number(r.hi) };
      } else if (k === 'gpa') bp.gpa = parseRange(v, what);
      else if (k === 'dir') {
        if (v !== 'in' && v !== 'out') throw new DecodeError(`${what}: bad direction "${v}"`);
        bp.dir = v;
      }
    }
    return bp;
  });
}

/** The text of one `O<hex>` console-output packet, or undefined if the payload is not one. */
export function decodeConsoleOutput(payload: string): string | undefined {
  if (payload === 'OK' || !/^O(?:[0-9a-fA-F]{2})+$/.test(payload)) return undefined;
  return Buffer.from(payload.slice(1), 'hex').toString('latin1');
}

// ---- stop replies -----------------------------------------------------------------------------
export interface VmExitStop {
  reason: number; // full exit reason (bits 31:0)
  qualification: bigint;
  breakpoint: number;
  gpa?: bigint;
}

export interface StopReply {
  signal: number;
  thread?: number;
  /** CPU index (thread - 1). */
  cpu?: number;
  /** Expedited registers by number (PROTOCOL.md 4.1), decoded little endian. */
  registers: Map<number, bigint>;
  vmexit?: VmExitStop;
}

export const REG_RBP = 6;
export const REG_RSP = 7;
export const REG_RIP = 16;

function littleEndian(hexText: string, what: string): bigint {
  const bytes = hexBytes(hexText, what);
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export function decodeStopReply(reply: string): StopReply {
  const what = 'stop reply';
  const m = /^([TS])([0-9a-fA-F]{2})(.*)$/s.exec(reply);
  if (!m) throw new DecodeError(`${what}: not a T or S packet: "${reply}"`);
  const stop: StopReply = { signal: parseInt(m[2], 16), registers: new Map() };
  if (m[1] === 'S') return stop;
  for (const item of m[3].split(';')) {
    if (item === '') continue;
    const i = item.indexOf(':');
    if (i <= 0) throw new DecodeError(`${what}: malformed "${item}"`);
    const k = item.slice(0, i);
    const v = item.slice(i + 1);
    if (/^[0-9a-fA-F]+$/.test(k)) stop.registers.set(parseInt(k, 16), littleEndian(v, what));
    else if (k === 'thread') {
      stop.thread = Number(parseHexU64(v));
      stop.cpu = stop.thread - 1;
    } else if (k === 'hvexit') {
      const [reason, qual, extra] = v.split(',');
      if (qual === undefined || extra !== undefined) throw new DecodeError(`${what}: malformed hvexit`);
      stop.vmexit = {
        ...stop.vmexit,
        reason: Number(parseHexU64(reason)),
        qualification: parseHexU64(qual),
        breakpoint: stop.vmexit?.breakpoint ?? -1,
      };
    } else if (k === 'hvbp' || k === 'hvgpa') {
      const base: VmExitStop = stop.vmexit ?? { reason: 0, qualification: 0n, breakpoint: -1 };
      if (k === 'hvbp') base.breakpoint = Number(parseHexU64(v));
      else base.gpa = parseHexU64(v);
      stop.vmexit = base;
    }
    // other keys (swbreak, watch, core, later hv keys): ignored, as the RSP rule says
  }
  return stop;
}
