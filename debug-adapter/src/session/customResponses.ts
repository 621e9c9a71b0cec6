// The adapter's side of customProtocol.ts: pure functions from what the stub returned (decoded
// packets, the VMCS scope) to the response and event bodies the views consume.
import { EptWalk, GvaWalk, VmExitStop, WalkLevel } from '../rsp/hvPackets';
import { VmcsTables } from '../vmcs/table';
import {
  EptLevel,
  EptWalkResponse,
  ExitStatsResponse,
  HvStopEventBody,
  VmcsField,
  VmcsResponse,
  VmcsWidth,
} from './customProtocol';
import { VmcsNode } from './vmcsScope';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

// A field's children (decoded bits, reason parts) in one line: the bits that are set, the parts
// that say something.
function decodedLine(n: VmcsNode): string | undefined {
  const kids = n.children ?? [];
  if (!kids.length) return undefined;
  const parts = kids
    .filter((k) => k.value !== '0' && k.value !== 'no')
    .map((k) => (k.value === '1' ? k.name.replace(/^\d+: /, '') : `${k.name} ${k.value}`));
  return parts.length ? parts.join(', ') : undefined;
}

export function vmcsResponse(t: VmcsTables, groups: VmcsNode[], cpu: number): VmcsResponse {
  return {
    cpu,
    groups: groups.map((g) => ({
      name: g.name,
      fields: (g.children ?? [])
        .filter((n) => n.encoding !== undefined)
        .map((n): VmcsField => {
          const f = t.byName.get(n.name);
          const width: VmcsWidth = !f || f.width === 'NAT' ? 'natural' : f.width;
          return {
            name: n.name,
            encoding: n.encoding!,
            width,
            value: n.value,
            decoded: decodedLine(n),
            writable: !n.readOnly,
            changed: n.changed,
          };
        }),
    })),
  };
}

const LEVEL_NAMES: Record<number, string> = { 4: 'PML4E', 3: 'PDPTE', 2: 'PDE', 1: 'PTE' };
const EPT_MEMORY_TYPES: Record<number, string> = { 0: 'UC', 1: 'WC', 4: 'WT', 5: 'WP', 6: 'WB' };

function levelRow(stage: 'guest' | 'ept', address: bigint, l: WalkLevel): EptLevel {
  const index = Number((address >> BigInt(12 + 9 * (l.level - 1))) & 0x1ffn);
  const e = l.entry;
  const bit = (n: number): boolean => ((e >> BigInt(n)) & 1n) === 1n;
  const leaf = l.level === 1 || ((l.level === 2 || l.level === 3) && bit(7));
  const present = stage === 'ept' ? (e & 7n) !== 0n : bit(0);
  const permissions =
    stage === 'ept'
      ? `${bit(0) ? 'r' : '-'}${bit(1) ? 'w' : '-'}${bit(2) ? 'x' : '-'}`
      : `${bit(0) ? 'r' : '-'}${bit(1) ? 'w' : '-'}${bit(63) ? '-' : 'x'}${bit(2) ? ' user' : ''}`;
  return {
    stage,
    level: l.level as EptLevel['level'],
    name: `${stage === 'ept' ? 'EPT ' : ''}${LEVEL_NAMES[l.level] ?? `L${l.level}`}`,
    tableAddress: hex(l.table),
    index,
    entryAddress: hex(l.table + BigInt(index * 8)),
    entry: hex(e),
    permissions,
    memoryType:
      stage === 'ept' && leaf && present
        ? (EPT_MEMORY_TYPES[Number((e >> 3n) & 7n)] ?? 'reserved')
        : undefined,
    leaf,
    present,
  };
}

function eptFault(w: EptWalk): string | undefined {
  if (w.missAt !== undefined)
    return `EPT: not present at ${LEVEL_NAMES[w.missAt] ?? w.missAt} (level ${w.missAt})`;
  if (w.badAt !== undefined)
    return `EPT: misconfigured at ${LEVEL_NAMES[w.badAt] ?? w.badAt} (level ${w.badAt})`;
  return undefined;
}

export function eptWalkResponse(gpa: bigint, w: EptWalk): EptWalkResponse {
  return {
    address: hex(gpa),
    space: 'gpa',
    eptp: hex(w.eptp),
    levels: w.levels.map((l) => levelRow('ept', gpa, l)),
    hpa: w.hpa === undefined ? undefined : hex(w.hpa),
    fault: eptFault(w),
  };
}

export function gvaWalkResponse(gva: bigint, w: GvaWalk): EptWalkResponse {
  const guest = w.levels.map((l) => levelRow('guest', gva, l));
  const ept = w.ept && w.gpa !== undefined ? w.ept.levels.map((l) => levelRow('ept', w.gpa!, l)) : [];
  return {
    address: hex(gva),
    space: 'gva',
    cr3: hex(w.cr3),
    eptp: w.ept ? hex(w.ept.eptp) : undefined,
    gpa: w.gpa === undefined ? undefined : hex(w.gpa),
    levels: [...guest, ...ept],
    hpa: w.ept?.hpa === undefined ? undefined : hex(w.ept.hpa),
    fault:
      w.missAt !== undefined
        ? `guest paging: not present at ${LEVEL_NAMES[w.missAt] ?? w.missAt} (level ${w.missAt})`
        : w.ept
          ? eptFault(w.ept)
          : undefined,
  };
}

export function exitStatsResponse(t: VmcsTables, counts: Map<number, bigint>): ExitStatsResponse {
  return {
    counts: [...counts].map(([number, n]) => ({
      reason: t.reasons.get(number)?.name ?? `reason ${number}`,
      number,
      count: Number(n),
    })),
  };
}

export function stopEventBody(
  t: VmcsTables,
  exit: VmExitStop,
  cpu: number | undefined,
  summary: string,
  gregs?: Map<string, bigint>,
): HvStopEventBody {
  const r = t.decodeExitReason(exit.reason);
  const rip = gregs?.get('rip');
  return {
    cpu: cpu ?? 0,
    reason: r.name,
    reasonNumber: r.basic,
    qualification: hex(exit.qualification),
    summary,
    guestRip: rip === undefined ? undefined : hex(rip),
    breakpoint: exit.breakpoint,
    gpa: exit.gpa === undefined ? undefined : hex(exit.gpa),
  };
}
