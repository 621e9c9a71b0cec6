// The VMCS tables the driver compiles (hv-driver/include/hv/*.def) read by the adapter, and the
// decoders built on them. Real files, not copies: a change to a table that breaks the adapter's
// reading fails here.
import * as assert from 'assert';
import {
  TableError,
  VmcsTables,
  decodeEptEntry,
  decodeExitQualification,
  parseControlBits,
  parseExitReasons,
  parseVmcsFields,
} from '../../debug-adapter/src/vmcs/table';
import { decodeVmcsAll } from '../../debug-adapter/src/rsp/hvPackets';
import { ofKind, text } from './rspVectors';

describe('VMCS tables (hv-driver/include/hv/*.def)', () => {
  const t = VmcsTables.load();

  it('reads every field with width and group agreeing with its encoding', () => {
    assert.ok(t.fields.length >= 170, `${t.fields.length} fields`);
    const rip = t.byEncoding.get(0x681e)!;
    assert.deepStrictEqual(
      [rip.name, rip.width, rip.group, rip.readOnly],
      ['GUEST_RIP', 'NAT', 'GUEST', false],
    );
    assert.strictEqual(t.byEncoding.get(0x4402)!.readOnly, true);
    assert.strictEqual(t.byEncoding.get(0x201a)!.width, 64);
  });

  it('names every field of the canned VMCS the stub vectors return', () => {
    const v = ofKind('xchg').find((x) => x.name === 'hv-vmcs-all')!;
    const unknown = [...decodeVmcsAll(text(v.cols[1])).keys()].filter((e) => !t.byEncoding.has(e));
    assert.deepStrictEqual(unknown, []);
  });

  it('decodes control words by their named bits', () => {
    const d = t.decodeControls('SECONDARY_VM_EXEC_CONTROL', 0x10aan);
    const names = d.set.map((b) => b.name);
    for (const n of ['ENABLE_EPT', 'ENABLE_RDTSCP', 'ENABLE_VPID', 'UNRESTRICTED_GUEST'])
      assert.ok(names.includes(n), n);
    assert.deepStrictEqual(d.unnamed, []);
    const pin = t.decodeControls('PIN_BASED_VM_EXEC_CONTROL', (1n << 6n) | (1n << 1n));
    assert.deepStrictEqual(
      pin.set.map((b) => b.name),
      ['PREEMPTION_TIMER'],
    );
    assert.deepStrictEqual(pin.unnamed, [1]);
    assert.throws(() => t.decodeControls('GUEST_RIP', 1n), TableError);
  });

  it('decodes exit reasons with their flag bits', () => {
    assert.deepStrictEqual(t.decodeExitReason(10), {
      basic: 10,
      name: 'CPUID',
      entryFailure: false,
      fromVmxRoot: false,
    });
    const f = t.decodeExitReason(0x80000021);
    assert.strictEqual(f.entryFailure, true);
    assert.strictEqual(f.basic, 33);
  });

  it('reports a malformed table line with its line number', () => {
    assert.throws(
      () => parseVmcsFields('VMCS_FIELD(0x681e, GUEST_RIP, 64, GUEST, RW, "x")\n'),
      /:1: GUEST_RIP width\/group/,
    );
    assert.throws(
      () => parseVmcsFields('\nVMCS_FIELD(0x4402, EXIT_REASON, 32, EXIT, RW, "x")'),
      /:2: .* RW but in group EXIT/,
    );
    assert.throws(() => parseVmcsFields('VMCS_FIELD(0x681e GUEST_RIP)'), /:1: malformed/);
    assert.throws(() => parseControlBits('VMCS_CONTROL_BIT(X, 99, Y, "z")'), /malformed/);
    assert.throws(() => parseExitReasons('VMX_EXIT_REASON(a, B, "c")'), /malformed/);
    assert.throws(() => VmcsTables.load('/nonexistent'), /cannot read VMCS table/);
  });
});

describe('exit qualifications and EPT entries', () => {
  it('decodes I/O, CR, DR, EPT-violation and task-switch qualifications', () => {
    assert.deepStrictEqual(decodeExitQualification(30, 0xcf80003n), {
      kind: 'io',
      port: 0xcf8,
      size: 4,
      direction: 'out',
      string: false,
      rep: false,
      immediate: false,
    });
    assert.deepStrictEqual(decodeExitQualification(30, 0x600048n), {
      kind: 'io',
      port: 0x60,
      size: 1,
      direction: 'in',
      string: false,
      rep: false,
      immediate: true,
    });
    assert.deepStrictEqual(decodeExitQualification(28, 0x303n), {
      kind: 'cr',
      cr: 3,
      access: 'mov-to-cr',
      gpr: 'rbx',
    });
    assert.deepStrictEqual(decodeExitQualification(28, 0x00010030n), {
      kind: 'cr',
      cr: 0,
      access: 'lmsw',
      lmswSource: 1,
    });
    assert.deepStrictEqual(decodeExitQualification(29, 0x217n), {
      kind: 'dr',
      dr: 7,
      direction: 'from-dr',
      gpr: 'rdx',
    });
    const ept = decodeExitQualification(48, 0x181n);
    assert.ok(ept.kind === 'ept' && ept.read && !ept.write && ept.linearValid && ept.translation);
    assert.deepStrictEqual(decodeExitQualification(9, 0x40000028n), {
      kind: 'task-switch',
      selector: 0x28,
      source: 'iret',
    });
    assert.deepStrictEqual(decodeExitQualification(10, 0n), { kind: 'raw', value: 0n });
  });

  it('decodes EPT entries of the canned walk', () => {
    const leaf = decodeEptEntry(0x400000b7n, 3, true);
    assert.deepStrictEqual(
      [leaf.read, leaf.write, leaf.execute, leaf.largePage, leaf.memoryType, leaf.address],
      [true, true, true, true, 'WB', 0x40000000n],
    );
    const table = decodeEptEntry(0x11007n, 4, false);
    assert.strictEqual(table.memoryType, undefined);
    assert.strictEqual(table.address, 0x11000n);
    assert.strictEqual(decodeEptEntry(0x51032n, 1, true).memoryType, 'WB');
    assert.strictEqual(decodeEptEntry(0x10n, 1, true).memoryType, 'reserved(2)');
  });
});
