import * as assert from 'assert';
import { statusText, stopDetail } from '../../extension/src/session/targetState';
import { eptRows, ExitHistory, parseFieldValue, vmcsModel } from '../../extension/src/views/models';
import { EptWalkResponse, VmcsResponse } from '../../extension/src/views/protocol';

const vmcs = (rip: string, reason: string): VmcsResponse => ({
  cpu: 0,
  groups: [
    {
      name: 'Guest state',
      fields: [
        { name: 'GUEST_RIP', encoding: 0x681e, width: 'natural', value: rip, writable: true, changed: false },
        {
          name: 'GUEST_CR3',
          encoding: 0x6802,
          width: 'natural',
          value: '0x7c01000',
          writable: true,
          changed: false,
        },
      ],
    },
    {
      name: 'Exit information',
      fields: [
        {
          name: 'VM_EXIT_REASON',
          encoding: 0x4402,
          width: 32,
          value: reason,
          decoded: 'CPUID',
          writable: false,
          changed: false,
        },
      ],
    },
  ],
});

describe('view models', () => {
  it('VMCS: grouped fields, values changed since the previous stop marked', () => {
    const first = vmcsModel(vmcs('0xfffff80000001000', '0xa'));
    assert.ok(first.every((g) => g.fields.every((f) => !f.changed)));
    assert.strictEqual(first[0].fields[0].encoding, '0x681e');
    const next = vmcsModel(vmcs('0xfffff80000001002', '0xa'), vmcs('0xfffff80000001000', '0xa'));
    assert.deepStrictEqual(
      next.flatMap((g) => g.fields.filter((f) => f.changed).map((f) => f.name)),
      ['GUEST_RIP'],
    );
    assert.strictEqual(next[0].changedCount, 1);
    assert.strictEqual(next[0].fields[0].value, '0xfffff80000001002'); // 64 bits intact
  });

  it('VMCS edit: values are checked against the field width (BigInt, no precision loss)', () => {
    assert.strictEqual(parseFieldValue('0xffffffffffffffff', 'natural'), 0xffffffffffffffffn);
    assert.strictEqual(parseFieldValue('4096', 32), 4096n);
    assert.throws(() => parseFieldValue('0x10000', 16), /does not fit in 16 bits/);
    assert.throws(() => parseFieldValue('rip+2', 64), /not a number/);
  });

  it('EPT walk: one row per level, leaf size named', () => {
    const w: EptWalkResponse = {
      address: '0xfee00000',
      space: 'gpa',
      hpa: '0xfee00000',
      levels: [
        {
          stage: 'ept',
          level: 4,
          name: 'PML4E',
          tableAddress: '0x1000',
          index: 0,
          entryAddress: '0x1000',
          entry: '0x2007',
          permissions: 'rwx',
          leaf: false,
          present: true,
        },
        {
          stage: 'ept',
          level: 3,
          name: 'PDPTE',
          tableAddress: '0x2000',
          index: 3,
          entryAddress: '0x2018',
          entry: '0x3007',
          permissions: 'rwx',
          leaf: false,
          present: true,
        },
        {
          stage: 'ept',
          level: 2,
          name: 'PDE',
          tableAddress: '0x3000',
          index: 0x1f7,
          entryAddress: '0x3fb8',
          entry: '0xfee000b7',
          permissions: 'rwx',
          memoryType: 'UC',
          leaf: true,
          present: true,
        },
      ],
    };
    const rows = eptRows(w);
    assert.deepStrictEqual(
      rows.map((r) => r.level),
      ['PML4E', 'PDPTE', 'PDE'],
    );
    assert.strictEqual(rows[2].note, '2 MiB page');
    assert.strictEqual(rows[2].memoryType, 'UC');
  });

  it('VM exits: per-reason totals and rates between samples; a restart gives no negative rate', () => {
    const h = new ExitHistory();
    const s = (
      cpuid: number,
      msr: number,
    ): {
      tsc: string;
      uptimeSeconds: number;
      counts: { reason: string; number: number; count: number }[];
    } => ({
      tsc: '0x0',
      uptimeSeconds: 0,
      counts: [
        { reason: 'CPUID', number: 10, count: cpuid },
        { reason: 'WRMSR', number: 32, count: msr },
      ],
    });
    h.add(s(100, 5), 0);
    h.add(s(1100, 5), 1000);
    h.add(s(3100, 15), 2000);
    let series = h.series();
    assert.deepStrictEqual(
      series.reasons.map((r) => [r.reason, r.total, r.ratePerSecond]),
      [
        ['CPUID', 3100, 2000],
        ['WRMSR', 15, 10],
      ],
    );
    assert.deepStrictEqual(
      series.points.map((p) => p.ratePerSecond),
      [1000, 2010],
    );
    h.add(s(10, 0), 3000); // target restarted
    series = h.series();
    assert.strictEqual(series.points.length, 2);
    assert.ok(series.reasons.every((r) => r.ratePerSecond === 0));
  });

  it('status bar text says the profile and the state, with the VM exit that stopped it', () => {
    assert.strictEqual(
      statusText({ phase: 'stopped', profile: 'bochs', detail: stopDetail({ reason: 'CPUID', cpu: 0 }) }),
      '$(debug-pause) bochs: stopped at VM exit: CPUID on CPU 0',
    );
    assert.strictEqual(
      statusText({ phase: 'building', profile: 'qemu-kvm' }),
      '$(sync~spin) qemu-kvm: building',
    );
    assert.strictEqual(statusText({ phase: 'idle', profile: 'bochs' }), '$(vm) bochs');
  });
});
