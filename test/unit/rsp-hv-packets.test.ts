// The hypervisor packets in TypeScript against the shared vectors: requests encoded from the
// canonical parse the C parser produces, replies of the canned target decoded to the flattened form
// the vectors give, stop replies decoded.
import * as assert from 'assert';
import {
  DecodeError,
  EptWalk,
  ExitBreakpoint,
  GuestRegister,
  HvError,
  REG_RBP,
  REG_RIP,
  REG_RSP,
  StopReply,
  decodeConsoleOutput,
  decodeEptWalk,
  decodeExitBreakpoints,
  decodeExitCounters,
  decodeGuestRegisters,
  decodeGvaWalk,
  decodeInfo,
  decodeMemory,
  decodeOk,
  decodeStopReply,
  decodeVmcsAll,
  decodeVmcsValues,
  hex,
  hvRequest,
  parseHexU64,
} from '../../debug-adapter/src/rsp/hvPackets';
import { ofKind, text } from './rspVectors';

/** "op key=value ..." of the req vectors. */
function canonical(s: string): { op: string; args: Array<[string, string]> } {
  const [op, ...rest] = s.split(' ');
  return { op, args: rest.map((t) => t.split('=', 2) as [string, string]) };
}

const big = (s: string): bigint => parseHexU64(s);
const num = (s: string): number => Number(parseHexU64(s));

function rangeOf(v: string): { lo: bigint; hi: bigint } {
  const [lo, hi] = v.split('-');
  return { lo: big(lo), hi: big(hi ?? lo) };
}

/** Builds the request a canonical parse describes; undefined for ops that are not hv packets. */
function encode(op: string, args: Array<[string, string]>): string | undefined {
  const a = new Map(args);
  switch (op) {
    case 'hv-info':
      return hvRequest.info();
    case 'hv-vmcs-all':
      return hvRequest.vmcsAll();
    case 'hv-vmcs-read':
      return hvRequest.vmcsRead(a.get('encs')!.split(',').map(num));
    case 'hv-vmcs-write':
      return hvRequest.vmcsWrite(args.map(([k, v]) => [num(k), big(v)] as const));
    case 'hv-gregs-read':
      return hvRequest.gregsRead();
    case 'hv-gregs-write':
      return hvRequest.gregsWrite(args.map(([k, v]) => [k as GuestRegister, big(v)] as const));
    case 'hv-ept':
      return hvRequest.ept(big(a.get('gpa')!));
    case 'hv-gva':
      return hvRequest.gva(big(a.get('gva')!), a.has('cr3') ? big(a.get('cr3')!) : undefined);
    case 'hv-gpm-read':
      return hvRequest.gpmRead(big(a.get('gpa')!), num(a.get('len')!));
    case 'hv-gpm-write':
      return hvRequest.gpmWrite(big(a.get('gpa')!), Buffer.from(a.get('data')!, 'hex'));
    case 'hv-exits':
      return hvRequest.exits(a.has('thread') ? num(a.get('thread')!) : undefined);
    case 'hv-exits-reset':
      return hvRequest.exitsReset();
    case 'hv-reset':
      return hvRequest.reset();
    case 'hv-exitbp-set': {
      const bp: ExitBreakpoint = { id: num(a.get('id')!), reason: num(a.get('reason')!) };
      for (const k of ['cpu', 'leaf', 'subleaf', 'msr', 'cr'] as const) {
        if (a.has(k)) bp[k] = num(a.get(k)!);
      }
      if (a.has('port')) {
        const r = rangeOf(a.get('port')!);
        bp.port = { lo: Number(r.lo), hi: Number(r.hi) };
      }
      if (a.has('dir')) bp.dir = a.get('dir') as 'in' | 'out';
      if (a.has('gpa')) bp.gpa = rangeOf(a.get('gpa')!);
      return hvRequest.exitBreakpointSet(bp);
    }
    case 'hv-exitbp-del':
      return hvRequest.exitBreakpointDelete(num(a.get('id')!));
    case 'hv-exitbp-del-all':
      return hvRequest.exitBreakpointDelete();
    case 'hv-exitbp-list':
      return hvRequest.exitBreakpointList();
    default:
      return undefined;
  }
}

function flatEpt(w: EptWalk): string[] {
  const out = [`eptp=${hex(w.eptp)}`, ...w.levels.map((l) => `e${l.level}=${hex(l.table)},${hex(l.entry)}`)];
  if (w.hpa !== undefined)
    out.push(`hpa=${hex(w.hpa)}`, `size=${hex(w.pageSize!)}`, `mt=${hex(w.memoryType!)}`);
  if (w.missAt !== undefined) out.push(`miss=${hex(w.missAt)}`);
  if (w.badAt !== undefined) out.push(`bad=${hex(w.badAt)}`);
  return out;
}

/** Decodes a reply the way the vectors flatten it (PROTOCOL.md 7). */
function decodeFlat(request: string, reply: string): string {
  try {
    if (request.startsWith('qRcmd,')) {
      const packets = reply.split('\n');
      assert.strictEqual(packets.pop(), 'OK');
      return packets.map((p) => decodeConsoleOutput(p) ?? assert.fail(`not an O packet: ${p}`)).join('');
    }
    if (request.startsWith('QHv.')) {
      decodeOk(reply, request);
      return 'ok';
    }
    if (request === 'qHv.info') {
      const i = decodeInfo(reply);
      return `proto=${i.proto} version=${i.version} cpus=${hex(i.cpus)} base=${hex(i.imageBase)} size=${hex(i.imageSize)} caps=${i.caps.join(',')}`;
    }
    if (request === 'qHv.vmcs') {
      return [...decodeVmcsAll(reply)].map(([e, v]) => `${hex(e)}=${hex(v)}`).join(' ');
    }
    if (request.startsWith('qHv.vmcs:')) {
      const encs = request.slice(9).split(',').map(num);
      return [...decodeVmcsValues(encs, reply)]
        .map(([e, v]) => `${hex(e)}=${v === undefined ? '-' : hex(v)}`)
        .join(' ');
    }
    if (request === 'qHv.gregs') {
      return [...decodeGuestRegisters(reply)].map(([k, v]) => `${k}=${hex(v)}`).join(' ');
    }
    if (request.startsWith('qHv.ept:')) return flatEpt(decodeEptWalk(reply)).join(' ');
    if (request.startsWith('qHv.gva:')) {
      const w = decodeGvaWalk(reply);
      const out = [
        `cr3=${hex(w.cr3)}`,
        ...w.levels.map((l) => `g${l.level}=${hex(l.table)},${hex(l.entry)}`),
      ];
      if (w.missAt !== undefined) out.push(`gmiss=${hex(w.missAt)}`);
      if (w.gpa !== undefined) out.push(`gpa=${hex(w.gpa)}`);
      if (w.ept) out.push(...flatEpt(w.ept));
      return out.join(' ');
    }
    if (request.startsWith('qHv.gpm:')) return `bytes=${decodeMemory(reply).toString('hex')}`;
    if (request.startsWith('qHv.exits')) {
      return [...decodeExitCounters(reply)].map(([r, c]) => `${hex(r)}=${hex(c)}`).join(' ');
    }
    if (request === 'qHv.exitbp') {
      return decodeExitBreakpoints(reply)
        .map((b) => {
          const f: string[] = [`reason=${hex(b.reason)}`];
          if (b.cpu !== undefined) f.push(`cpu=${hex(b.cpu)}`);
          if (b.leaf !== undefined) f.push(`leaf=${hex(b.leaf)}`);
          if (b.subleaf !== undefined) f.push(`subleaf=${hex(b.subleaf)}`);
          if (b.msr !== undefined) f.push(`msr=${hex(b.msr)}`);
          if (b.port) f.push(`port=${hex(b.port.lo)}${b.port.hi !== b.port.lo ? '-' + hex(b.port.hi) : ''}`);
          if (b.dir) f.push(`dir=${b.dir}`);
          if (b.cr !== undefined) f.push(`cr=${hex(b.cr)}`);
          if (b.gpa) f.push(`gpa=${hex(b.gpa.lo)}${b.gpa.hi !== b.gpa.lo ? '-' + hex(b.gpa.hi) : ''}`);
          f.push(`hits=${hex(b.hits)}`);
          return `${hex(b.id)}:${f.join(',')}`;
        })
        .join(' ');
    }
  } catch (e) {
    if (e instanceof HvError) return `error=${hex(e.code)}`;
    throw e;
  }
  throw new Error(`no decoder for ${request}`);
}

function flatStop(s: StopReply): string {
  const out = [`sig=${hex(s.signal)}`, `thread=${hex(s.thread!)}`];
  out.push(`rbp=${hex(s.registers.get(REG_RBP)!)}`, `rsp=${hex(s.registers.get(REG_RSP)!)}`);
  out.push(`rip=${hex(s.registers.get(REG_RIP)!)}`);
  if (s.vmexit) {
    out.push(
      `reason=${hex(s.vmexit.reason)}`,
      `qual=${hex(s.vmexit.qualification)}`,
      `bp=${hex(s.vmexit.breakpoint)}`,
    );
    if (s.vmexit.gpa !== undefined) out.push(`gpa=${hex(s.vmexit.gpa)}`);
  }
  return out.join(' ');
}

describe('hypervisor packets (shared vectors)', () => {
  const encodable = ofKind('req').filter((v) => {
    const { op } = canonical(text(v.cols[1]));
    return op.startsWith('hv-') && !v.name.startsWith('lenient-');
  });
  it('has hypervisor requests to encode', () => assert.ok(encodable.length >= 25, `${encodable.length}`));
  for (const v of encodable) {
    it(`encodes req ${v.name}`, () => {
      const { op, args } = canonical(text(v.cols[1]));
      assert.strictEqual(encode(op, args), text(v.cols[0]));
    });
  }

  const decodable = ofKind('xchg').filter((v) => v.cols.length >= 3);
  it('has replies to decode', () => assert.ok(decodable.length >= 40, `${decodable.length}`));
  for (const v of decodable) {
    it(`decodes xchg ${v.name}`, () => {
      assert.strictEqual(decodeFlat(text(v.cols[0]), text(v.cols[1])), text(v.cols[2]));
    });
  }

  const stops = ofKind('stop');
  it('has stop replies', () => assert.ok(stops.length >= 4));
  for (const v of stops) {
    it(`decodes stop ${v.name}`, () =>
      assert.strictEqual(flatStop(decodeStopReply(text(v.cols[1]))), text(v.cols[2])));
  }

  it('decodes the whole canned VMCS with BigInt values', () => {
    const v = ofKind('xchg').find((x) => x.name === 'hv-vmcs-all')!;
    const vmcs = decodeVmcsAll(text(v.cols[1]));
    assert.strictEqual(vmcs.size, 150);
    assert.strictEqual(vmcs.get(0x2800), 0xffffffffffffffffn);
    assert.strictEqual(vmcs.get(0x681e), 0x3e5c1a0n);
    assert.strictEqual(vmcs.has(0x682a), false);
  });
});

describe('hypervisor packets (errors)', () => {
  it('names the stub error', () => {
    assert.throws(
      () => decodeVmcsAll('E09'),
      (e: unknown) => e instanceof HvError && e.code === 9 && /no current VMCS/.test(e.message),
    );
  });
  it('refuses replies that do not fit the request', () => {
    assert.throws(() => decodeVmcsValues([0x4402, 0x681e], 'a'), DecodeError);
    assert.throws(() => decodeVmcsAll('4402'), DecodeError);
    assert.throws(() => decodeExitCounters('a=1=2'), DecodeError);
    assert.throws(() => decodeMemory('abc'), DecodeError);
    assert.throws(() => decodeInfo('proto:1'), /no "version"/);
    assert.throws(() => decodeStopReply('OK'), DecodeError);
    assert.throws(() => decodeOk('', 'QHv.vmcs'), DecodeError);
  });
  it('keeps 64-bit values exact and refuses wider ones', () => {
    assert.strictEqual(parseHexU64('ffffffffffffffff'), 0xffffffffffffffffn);
    assert.throws(() => parseHexU64('10000000000000000'), DecodeError);
    assert.throws(() => hex(1n << 64n), RangeError);
    assert.throws(() => hex(-1), RangeError);
    assert.strictEqual(hvRequest.ept(0xfffff00000000000n), 'qHv.ept:fffff00000000000');
  });
  it('refuses requests the stub would refuse', () => {
    assert.throws(() => hvRequest.vmcsRead([]), RangeError);
    assert.throws(() => hvRequest.vmcsRead(new Array(257).fill(0)), RangeError);
    assert.throws(() => hvRequest.gpmRead(0n, 2048), RangeError);
    assert.throws(() => hvRequest.exitBreakpointSet({ id: 16, reason: 10 }), RangeError);
  });
  it('ignores stop-reply keys it does not know', () => {
    const s = decodeStopReply('T05thread:2;swbreak:;core:1;hvfuture:1;10:0010000000000000;');
    assert.strictEqual(s.cpu, 1);
    assert.strictEqual(s.registers.get(REG_RIP), 0x1000n);
    assert.strictEqual(s.vmexit, undefined);
  });
});
