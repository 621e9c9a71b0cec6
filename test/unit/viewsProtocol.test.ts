// The adapter's custom responses feed the Hypervisor views: the stub's replies from the shared
// protocol vectors, decoded by the adapter and shaped by customResponses.ts, go through the JSON a
// DAP message is, then into the views' models (extension/src/views/models.ts) unchanged.
import * as assert from 'assert';
import {
  decodeEptWalk,
  decodeExitCounters,
  decodeGuestRegisters,
  decodeGvaWalk,
  decodeStopReply,
  decodeVmcsAll,
} from '../../debug-adapter/src/rsp/hvPackets';
import {
  eptWalkResponse,
  exitStatsResponse,
  gvaWalkResponse,
  stopEventBody,
  vmcsResponse,
} from '../../debug-adapter/src/session/customResponses';
import { exitSummary } from '../../debug-adapter/src/session/exitSummary';
import { buildVmcsScope } from '../../debug-adapter/src/session/vmcsScope';
import { VmcsTables } from '../../debug-adapter/src/vmcs/table';
import { stopDetail } from '../../extension/src/session/targetState';
import { eptRows, ExitHistory, parseFieldValue, vmcsModel } from '../../extension/src/views/models';
import {
  EptWalkResponse,
  ExitStatsResponse,
  HvStopEventBody,
  VmcsResponse,
} from '../../extension/src/views/protocol';
import { ofKind, text } from './rspVectors';

const tables = VmcsTables.load();
const reply = (name: string): string => {
  const v = ofKind('xchg').find((x) => x.name === name);
  assert.ok(v, `no vector ${name}`);
  return text(v.cols[1]);
};
// What the view receives: the body after JSON (no bigint, no undefined, no class instances).
const overDap = <T>(body: T): T => JSON.parse(JSON.stringify(body)) as T;

describe('custom protocol: adapter responses into the view models', () => {
  it('hv/vmcs: the canned VMCS becomes the VMCS tree, GUEST_RIP editable at its width', () => {
    const values = decodeVmcsAll(reply('hv-vmcs-all'));
    const r = overDap<VmcsResponse>(vmcsResponse(tables, buildVmcsScope(tables, values), 0));
    const groups = vmcsModel(r);
    assert.deepStrictEqual(
      groups.map((g) => g.name),
      ['Guest state', 'Host state', 'Controls', 'Exit information'],
    );
    assert.strictEqual(
      groups.reduce((n, g) => n + g.fields.length, 0),
      values.size,
    );
    const rip = groups[0].fields.find((f) => f.name === 'GUEST_RIP');
    assert.ok(rip);
    assert.strictEqual(rip.encoding, '0x681e');
    assert.strictEqual(rip.value, '0x3e5c1a0');
    assert.strictEqual(rip.writable, true);
    assert.strictEqual(rip.changed, false);
    const raw = r.groups[0].fields.find((f) => f.name === 'GUEST_RIP')!;
    assert.strictEqual(raw.width, 'natural');
    assert.strictEqual(parseFieldValue('0x3e5c1a2', raw.width), 0x3e5c1a2n);
    const reason = groups[3].fields.find((f) => f.name === 'VM_EXIT_REASON');
    assert.ok(reason && !reason.writable);
    assert.match(reason.decoded ?? '', /basic reason 10 \(CPUID\)/);
    const sec = groups[2].fields.find((f) => f.name === 'SECONDARY_VM_EXEC_CONTROL');
    assert.match(sec?.decoded ?? '', /ENABLE_EPT/);
  });

  it('hv/vmcs: a field changed since the previous stop is marked by the adapter and the view', () => {
    const before = decodeVmcsAll(reply('hv-vmcs-all'));
    const now = new Map(before);
    now.set(0x681e, 0x3e5c1a2n);
    const prev = overDap<VmcsResponse>(vmcsResponse(tables, buildVmcsScope(tables, before), 0));
    const r = overDap<VmcsResponse>(vmcsResponse(tables, buildVmcsScope(tables, now, before), 0));
    assert.deepStrictEqual(
      r.groups.flatMap((g) => g.fields.filter((f) => f.changed).map((f) => f.name)),
      ['GUEST_RIP'],
    );
    const groups = vmcsModel(r, prev);
    assert.strictEqual(groups[0].changedCount, 1);
  });

  it('hv/eptWalk (gpa): a 4 KiB mapping, one row per level with index, entry address and rights', () => {
    const w = overDap<EptWalkResponse>(eptWalkResponse(0x30123n, decodeEptWalk(reply('hv-ept-4k'))));
    assert.strictEqual(w.hpa, '0x30123');
    assert.strictEqual(w.fault, undefined);
    const rows = eptRows(w);
    assert.deepStrictEqual(
      rows.map((x) => x.level),
      ['EPT PML4E', 'EPT PDPTE', 'EPT PDE', 'EPT PTE'],
    );
    // 0x30123: PT index 0x30, the others 0.
    assert.deepStrictEqual(
      rows.map((x) => x.index),
      [0, 0, 0, 0x30],
    );
    assert.strictEqual(rows[3].entryAddress, `0x${(0x13000 + 0x30 * 8).toString(16)}`);
    assert.strictEqual(rows[3].entry, '0x30037');
    assert.strictEqual(rows[3].permissions, 'rwx');
    assert.strictEqual(rows[3].memoryType, 'WB');
    assert.strictEqual(rows[3].note, '4 KiB page');
  });

  it('hv/eptWalk (gpa): a 2 MiB page and a miss are shown as such', () => {
    const big = eptRows(overDap(eptWalkResponse(0x212345n, decodeEptWalk(reply('hv-ept-2m')))));
    assert.strictEqual(big.length, 3);
    assert.strictEqual(big[2].note, '2 MiB page');
    const miss = overDap(eptWalkResponse(0x400000n, decodeEptWalk(reply('hv-ept-miss-l2'))));
    assert.strictEqual(miss.hpa, undefined);
    assert.match(miss.fault ?? '', /not present at PDE \(level 2\)/);
    assert.strictEqual(eptRows(miss)[2].note, 'not present');
  });

  it('hv/eptWalk (gva): guest levels, then EPT for the GPA', () => {
    const w = overDap(gvaWalkResponse(0x10abcn, decodeGvaWalk(reply('hv-gva-4k'))));
    assert.strictEqual(w.space, 'gva');
    assert.strictEqual(w.gpa, '0x30abc');
    assert.deepStrictEqual(
      w.levels.map((l) => l.stage),
      ['guest', 'guest', 'guest', 'guest', 'ept', 'ept', 'ept', 'ept'],
    );
    assert.strictEqual(eptRows(w)[3].index, 0x10);
  });

  it('hv/exitStats: counts by reason name feed the exits chart', () => {
    const r = overDap<ExitStatsResponse>(exitStatsResponse(tables, decodeExitCounters(reply('hv-exits'))));
    const h = new ExitHistory();
    h.add(r, 0);
    const s = h.series();
    assert.strictEqual(s.reasons[0].reason, 'CPUID');
    assert.strictEqual(s.reasons[0].total, 0x1334);
    assert.ok(r.counts.some((c) => c.number === 0x30 && c.reason === 'EPT_VIOLATION'));
  });

  it('hv/stopped: the event body gives the status line its reason and CPU', () => {
    const stop = decodeStopReply(text(ofKind('stop').find((x) => x.name === 'exit-cpuid')!.cols[1]));
    const gregs = decodeGuestRegisters(reply('hv-gregs'));
    const summary = exitSummary(tables, stop.vmexit!, stop.cpu, gregs);
    const body = overDap<HvStopEventBody>(stopEventBody(tables, stop.vmexit!, stop.cpu, summary, gregs));
    assert.strictEqual(body.reason, 'CPUID');
    assert.strictEqual(body.reasonNumber, 10);
    assert.strictEqual(body.guestRip, '0x3e5c1a2');
    assert.strictEqual(stopDetail(body), 'VM exit: CPUID on CPU 0');
  });
});
