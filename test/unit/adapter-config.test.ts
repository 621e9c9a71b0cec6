// Launch/attach attribute checking, VM-exit condition parsing and RSP framing: the pure parts of
// the debug adapter.
import * as assert from 'assert';
import { AttributeError, DEFAULT_TIMEOUTS, parseAttributes } from '../../debug-adapter/src/config/attributes';
import { parseLink } from '../../debug-adapter/src/runtime/link';
import {
  decodeRunLength,
  encodePacket,
  resumesTarget,
  RspFramer,
} from '../../debug-adapter/src/runtime/rspFramer';
import { EXIT_FILTERS } from '../../debug-adapter/src/session/exitFilters';

function problems(request: 'launch' | 'attach', raw: Record<string, unknown>): string[] {
  try {
    parseAttributes(request, raw);
  } catch (e) {
    assert.ok(e instanceof AttributeError);
    return e.problems;
  }
  return [];
}

describe('adapter attributes', () => {
  it('fills every timeout with its default', () => {
    const c = parseAttributes('launch', { type: 'uefi-hv', request: 'launch', name: 'x', profile: 'bochs' });
    assert.deepStrictEqual(c.timeouts, DEFAULT_TIMEOUTS);
    assert.strictEqual(c.gdbPath, 'gdb');
    assert.strictEqual(c.stopOnEntry, false);
  });
  it('names each bad attribute, all at once', () => {
    const p = problems('launch', { profile: 'bochs', stopOnEntry: 1, requestTimeout: 'x', linkk: 'tcp:a:1' });
    assert.deepStrictEqual(p, [
      "unknown attribute 'linkk'",
      '\'requestTimeout\' must be an integer in 50..600000 (got "x")',
      "'stopOnEntry' must be true or false (got 1)",
    ]);
  });
  it('requires profile for launch and link for attach', () => {
    assert.match(problems('launch', {})[0], /'profile' is required/);
    assert.match(problems('attach', {})[0], /'link' is required/);
  });
  it('rejects launch-only attributes in attach', () => {
    assert.match(
      problems('attach', { link: 'tcp:h:1', profile: 'bochs' })[0],
      /'profile' applies to launch only/,
    );
  });
  it('ignores the keys VS Code adds', () => {
    assert.deepStrictEqual(problems('attach', { link: 'tcp:h:1', __sessionId: 'x', preLaunchTask: 'b' }), []);
  });
  it('parses links', () => {
    assert.deepStrictEqual(parseLink('tcp:localhost:1234'), { kind: 'tcp', host: 'localhost', port: 1234 });
    assert.deepStrictEqual(parseLink('tcp:[::1]:1'), { kind: 'tcp', host: '::1', port: 1 });
    assert.deepStrictEqual(parseLink('serial:/dev/ttyUSB0@115200'), {
      kind: 'serial',
      device: '/dev/ttyUSB0',
      baud: 115200,
    });
    assert.match((parseLink('tcp:h:70000') as { error: string }).error, /out of range/);
    assert.match((parseLink('udp:h:1') as { error: string }).error, /neither/);
  });
});

describe('VM-exit filter conditions', () => {
  const f = (id: string) => EXIT_FILTERS.find((x) => x.id === id)!;
  it('parses the documented examples into stub terms', () => {
    assert.deepStrictEqual(f('cpuid').parseCondition('leaf == 0x1'), {
      terms: [{ kind: 'range', field: 'leaf', lo: 1n, hi: 1n, negate: false }],
    });
    assert.deepStrictEqual(f('wrmsr').parseCondition('msr == 0xC0000082'), {
      terms: [{ kind: 'range', field: 'msr', lo: 0xc0000082n, hi: 0xc0000082n, negate: false }],
    });
    assert.deepStrictEqual(f('io').parseCondition('port == 0xCF8 && out'), {
      terms: [
        { kind: 'range', field: 'port', lo: 0xcf8n, hi: 0xcf8n, negate: false },
        { kind: 'flag', flag: 'out' },
      ],
    });
    assert.deepStrictEqual(f('ept').parseCondition('gpa in 0xFEE00000..0xFEE00FFF'), {
      terms: [{ kind: 'range', field: 'gpa', lo: 0xfee00000n, hi: 0xfee00fffn, negate: false }],
    });
    assert.deepStrictEqual(f('wrmsr').parseCondition('cpu != 1'), {
      terms: [{ kind: 'range', field: 'cpu', lo: 1n, hi: 1n, negate: true }],
    });
    assert.deepStrictEqual(f('cpuid').parseCondition(''), { terms: [] });
  });
  it('keeps 64-bit values exact', () => {
    const r = f('ept').parseCondition('gpa == 0xFFFFFFFFFFFFF000') as { terms: { lo: bigint }[] };
    assert.strictEqual(r.terms[0].lo, 0xfffffffffffff000n);
  });
  it('explains what it cannot read', () => {
    assert.match((f('cpuid').parseCondition('msr == 1') as { error: string }).error, /unknown field 'msr'/);
    assert.match((f('io').parseCondition('port == x') as { error: string }).error, /not a number/);
    assert.match((f('io').parseCondition('sideways') as { error: string }).error, /unknown flag 'sideways'/);
    assert.match((f('ept').parseCondition('gpa in 5..1') as { error: string }).error, /empty range/);
    assert.match((f('io').parseCondition('port == 1 &&') as { error: string }).error, /empty term/);
  });
  it('has one filter per family with unique ids', () => {
    const ids = EXIT_FILTERS.map((x) => x.id);
    assert.strictEqual(new Set(ids).size, ids.length);
    for (const id of ['cpuid', 'rdmsr', 'wrmsr', 'cr', 'io', 'ept', 'xsetbv', 'init-sipi', 'triple-fault'])
      assert.ok(ids.includes(id), id);
  });
});

describe('RSP framing', () => {
  it('splits acks, packets, interrupts across chunk boundaries', () => {
    const fr = new RspFramer();
    const a = fr.push(Buffer.from('+$OK#9'));
    assert.deepStrictEqual(
      a.map((i) => i.kind),
      ['ack'],
    );
    const b = fr.push(Buffer.from('a\x03$T05thread:01;#07'));
    assert.deepStrictEqual(
      b.map((i) => [i.kind, 'data' in i ? i.data : '']),
      [
        ['packet', 'OK'],
        ['interrupt', ''],
        ['packet', 'T05thread:01;'],
      ],
    );
    assert.strictEqual((b[0] as { checksumOk: boolean }).checksumOk, true);
  });
  it('builds packets with their checksum', () => {
    assert.strictEqual(encodePacket('g').toString(), '$g#67');
    assert.strictEqual(encodePacket('QStartNoAckMode').toString(), '$QStartNoAckMode#b0');
  });
  it('expands run-length encoding', () => {
    assert.strictEqual(decodeRunLength('0* '), '0000');
    assert.strictEqual(decodeRunLength('ab'), 'ab');
  });
  it('knows which packets resume the target', () => {
    for (const p of ['c', 'C05', 's', 'vCont;c', 'vCont;s:1'] as const) assert.ok(resumesTarget(p), p);
    for (const p of ['vCont?', 'g', 'm1000,4', 'qSupported'] as const) assert.ok(!resumesTarget(p), p);
  });
});
