// What the adapter shows for a VM exit, built from the shared protocol vectors (the stub's canned
// VMCS and stop replies) and the driver's real VMCS tables: the VMCS scope, the stop line, and the
// exit filters turned into the stub's exit-breakpoint packets.
import * as assert from 'assert';
import { decodeStopReply, decodeVmcsAll, hvRequest } from '../../debug-adapter/src/rsp/hvPackets';
import { EXIT_FILTERS, toStubBreakpoints, Term } from '../../debug-adapter/src/session/exitFilters';
import { exitSummary } from '../../debug-adapter/src/session/exitSummary';
import { buildVmcsScope, parseFieldValue, VmcsNode } from '../../debug-adapter/src/session/vmcsScope';
import { VmcsTables } from '../../debug-adapter/src/vmcs/table';
import { ofKind, text } from './rspVectors';

const tables = VmcsTables.load();
const cannedVmcs = (): Map<number, bigint | undefined> => {
  const v = ofKind('xchg').find((x) => x.name === 'hv-vmcs-all')!;
  return decodeVmcsAll(text(v.cols[1]));
};
const stopVector = (name: string) =>
  decodeStopReply(text(ofKind('stop').find((x) => x.name === name)!.cols[1]));
const reqVector = (name: string): string => text(ofKind('req').find((x) => x.name === name)!.cols[0]);

function find(nodes: VmcsNode[], name: string): VmcsNode {
  for (const n of nodes) {
    if (n.name === name) return n;
    const c = n.children && find(n.children, name);
    if (c) return c;
  }
  return undefined as unknown as VmcsNode;
}

describe('VMCS scope', () => {
  const scope = buildVmcsScope(tables, cannedVmcs());

  it('groups every field of the canned VMCS: Guest state, Host state, Controls, Exit information', () => {
    assert.deepStrictEqual(
      scope.map((g) => g.name),
      ['Guest state', 'Host state', 'Controls', 'Exit information'],
    );
    const total = scope.reduce((n, g) => n + g.children!.length, 0);
    assert.strictEqual(total, cannedVmcs().size);
    assert.ok(find(scope, 'Guest state').children!.some((c) => c.name === 'GUEST_RIP'));
  });
  it('shows GUEST_RIP at its width, editable', () => {
    const rip = find(scope, 'GUEST_RIP');
    assert.strictEqual(rip.value, '0x0000000003e5c1a0');
    assert.strictEqual(rip.readOnly, false);
    assert.strictEqual(rip.encoding, 0x681e);
  });
  it('decodes the exit reason and marks exit information read-only', () => {
    const r = find(scope, 'VM_EXIT_REASON');
    assert.strictEqual(r.readOnly, true);
    assert.strictEqual(r.value, '0x0000000a');
    assert.strictEqual(find(r.children!, 'basic reason').value, '10 (CPUID)');
    assert.ok(find(scope, 'Exit information').children!.every((c) => c.readOnly));
  });
  it('decodes control words bit by bit', () => {
    const sec = find(scope, 'SECONDARY_VM_EXEC_CONTROL');
    const on = sec.children!.filter((c) => c.value === '1').map((c) => c.name);
    for (const n of ['1: ENABLE_EPT', '5: ENABLE_VPID', '7: UNRESTRICTED_GUEST', '3: ENABLE_RDTSCP'])
      assert.ok(on.includes(n), `${n} in ${on.join(', ')}`);
    assert.ok(
      sec.children!.some((c) => c.value === '0'),
      'clear bits are listed too',
    );
  });
  it('decodes the qualification per reason (I/O)', () => {
    const values = cannedVmcs();
    values.set(0x4402, 30n);
    values.set(0x6400, (0xcf8n << 16n) | 0x3n); // OUT dx, eax to 0xCF8
    const q = find(buildVmcsScope(tables, values), 'EXIT_QUALIFICATION');
    assert.strictEqual(find(q.children!, 'port').value, '0xcf8');
    assert.strictEqual(find(q.children!, 'direction').value, 'out');
    assert.strictEqual(find(q.children!, 'size').value, '4');
  });
  it('marks what changed since the last stop, and nothing on the first stop', () => {
    assert.ok(!scope.some((g) => g.changed));
    const now = cannedVmcs();
    now.set(0x681e, 0x3e5c1a2n);
    const s2 = buildVmcsScope(tables, now, cannedVmcs());
    assert.strictEqual(find(s2, 'GUEST_RIP').changed, true);
    assert.strictEqual(find(s2, 'Guest state').value.endsWith('1 changed'), true);
    assert.strictEqual(find(s2, 'GUEST_RSP').changed, false);
  });
  it('says when the CPU lacks a field, read-only', () => {
    const values = new Map<number, bigint | undefined>([[0x2032, undefined]]);
    const n = buildVmcsScope(tables, values)[0].children![0];
    assert.strictEqual(n.value, 'not supported by this CPU');
    assert.strictEqual(n.readOnly, true);
  });
  it('checks an edited value against the field width', () => {
    const sel = tables.byName.get('GUEST_CS_SELECTOR')!;
    assert.strictEqual(parseFieldValue(sel, '0x38'), 0x38n);
    assert.match((parseFieldValue(sel, '0x10000') as { error: string }).error, /16-bit/);
    assert.match((parseFieldValue(sel, 'cs') as { error: string }).error, /not a number/);
  });
});

describe('VM-exit stop line', () => {
  it('CPUID with its leaf, from the exit-cpuid stop vector', () => {
    const s = stopVector('exit-cpuid');
    const gregs = new Map([
      ['rax', 0x1n],
      ['rcx', 0n],
    ]);
    assert.strictEqual(
      exitSummary(tables, s.vmexit!, s.cpu, gregs),
      'VM exit: CPUID leaf 0x1 subleaf 0x0 on CPU 0',
    );
  });
  it('WRMSR with the MSR and value', () => {
    const gregs = new Map([
      ['rcx', 0xc0000082n],
      ['rax', 0x1000n],
      ['rdx', 0xffffffffn],
    ]);
    assert.strictEqual(
      exitSummary(tables, { reason: 32, qualification: 0n, breakpoint: 2 }, 1, gregs),
      'VM exit: WRMSR 0xC0000082 value 0xFFFFFFFF00001000 on CPU 1',
    );
    assert.strictEqual(
      exitSummary(
        tables,
        { reason: 32, qualification: 0n, breakpoint: 2 },
        1,
        new Map([['rcx', 0xc0000082n]]),
      ),
      'VM exit: WRMSR 0xC0000082 on CPU 1',
    );
  });
  it('EPT violation with the GPA, from the exit-ept-gpa stop vector', () => {
    const s = stopVector('exit-ept-gpa');
    assert.strictEqual(
      exitSummary(tables, s.vmexit!, s.cpu),
      'VM exit: EPT violation (read) at GPA 0xFEE00300 on CPU 1',
    );
  });
  it('a VM-entry failure says so', () => {
    const s = stopVector('exit-entry-failure');
    assert.match(exitSummary(tables, s.vmexit!, s.cpu), /^VM entry failed: .* on CPU 15$/);
  });
  it('I/O and CR accesses read like the instruction', () => {
    assert.strictEqual(
      exitSummary(tables, { reason: 30, qualification: (0xcf8n << 16n) | 3n, breakpoint: -1 }, 0),
      'VM exit: OUT port 0x0CF8 (4 bytes) on CPU 0',
    );
    assert.strictEqual(
      exitSummary(tables, { reason: 28, qualification: 0x3n, breakpoint: -1 }, 0),
      'VM exit: MOV to CR3 from rax on CPU 0',
    );
  });
});

describe('VM-exit filters to stub packets (the shared request vectors)', () => {
  const packet = (id: string, condition: string, firstId: number): string[] => {
    const f = EXIT_FILTERS.find((x) => x.id === id)!;
    const parsed = f.parseCondition(condition) as { terms: Term[] };
    const r = toStubBreakpoints(f, parsed.terms, firstId);
    assert.ok('breakpoints' in r, 'error' in r ? r.error : '');
    return r.breakpoints.map((b) => hvRequest.exitBreakpointSet(b));
  };
  it('encodes exactly what the stub vectors expect', () => {
    assert.deepStrictEqual(packet('cpuid', 'leaf == 0x1', 1), [reqVector('hv-exitbp-cpuid')]);
    assert.deepStrictEqual(packet('cpuid', 'cpu == 1 && leaf == 7 && subleaf == 0', 1), [
      reqVector('hv-exitbp-cpuid-sub'),
    ]);
    assert.deepStrictEqual(packet('wrmsr', 'msr == 0xc0000080', 2), [reqVector('hv-exitbp-msr')]);
    assert.deepStrictEqual(packet('io', 'port in 0xCF8..0xCFF && out', 3), [reqVector('hv-exitbp-io')]);
    assert.deepStrictEqual(packet('cr', 'cr == 3', 4), [reqVector('hv-exitbp-cr')]);
  });
  it('one breakpoint per reason of a family (EPT violation + misconfiguration)', () => {
    const p = packet('ept', 'gpa in 0xFEE00000..0xFEE00FFF', 5);
    assert.deepStrictEqual(p[0], reqVector('hv-exitbp-gpa'));
    assert.strictEqual(p.length, 2);
  });
  it('refuses what the stub cannot filter, saying why', () => {
    const f = EXIT_FILTERS.find((x) => x.id === 'wrmsr')!;
    const neg = toStubBreakpoints(f, (f.parseCondition('msr != 1') as { terms: Term[] }).terms, 0);
    assert.match((neg as { error: string }).error, /not a filter the stub has/);
    const rng = toStubBreakpoints(f, (f.parseCondition('msr in 1..5') as { terms: Term[] }).terms, 0);
    assert.match((rng as { error: string }).error, /one value, not a range/);
    const full = toStubBreakpoints(f, [], 16);
    assert.match((full as { error: string }).error, /16 exit breakpoints/);
  });
});
