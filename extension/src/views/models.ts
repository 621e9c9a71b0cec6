// Pure view models of the Hypervisor views: what each shows, computed from the adapter's custom
// responses. The tree and webview adapters only render these.
import { EptWalkResponse, ExitStatsResponse, VmcsResponse } from './protocol';

// ---- VMCS: groups of fields, each marked when its value changed since the previous stop -------
export interface VmcsFieldItem {
  group: string;
  name: string;
  encoding: string; // "0x681e"
  value: string;
  decoded?: string;
  changed: boolean;
  writable: boolean;
}
export interface VmcsGroupItem {
  name: string;
  fields: VmcsFieldItem[];
  changedCount: number;
}

export function vmcsModel(now: VmcsResponse, previous?: VmcsResponse): VmcsGroupItem[] {
  const before = new Map<number, string>();
  for (const g of previous?.groups ?? []) for (const f of g.fields) before.set(f.encoding, f.value);
  return now.groups.map((g) => {
    const fields = g.fields.map((f) => ({
      group: g.name,
      name: f.name,
      encoding: `0x${f.encoding.toString(16).padStart(4, '0')}`,
      value: normalizeHex(f.value),
      decoded: f.decoded,
      // The adapter compares with the previous stop; the view also with what it showed last (a
      // VMWRITE, another CPU's VMCS).
      changed: f.changed || (previous !== undefined && before.get(f.encoding) !== f.value),
      writable: f.writable,
    }));
    return { name: g.name, fields, changedCount: fields.filter((f) => f.changed).length };
  });
}

export function normalizeHex(v: string): string {
  return `0x${BigInt(v).toString(16)}`;
}

// A value typed by the user for an inline edit: hex (0x...) or decimal, within the field's width.
export function parseFieldValue(text: string, width: 16 | 32 | 64 | 'natural'): bigint {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`not a number: "${text}" (use 0x... or decimal)`);
  const v = BigInt(t);
  const bits = width === 'natural' ? 64 : width;
  if (v >= 1n << BigInt(bits)) throw new Error(`${text} does not fit in ${bits} bits`);
  return v;
}

// ---- EPT walk: one row per level ---------------------------------------------------------------
export interface EptRow {
  level: string;
  index: number;
  entryAddress: string;
  entry: string;
  permissions: string;
  memoryType: string;
  note: string;
}
export function eptRows(w: EptWalkResponse): EptRow[] {
  return w.levels.map((l) => ({
    level: l.name,
    index: l.index,
    entryAddress: normalizeHex(l.entryAddress),
    entry: normalizeHex(l.entry),
    permissions: l.permissions,
    memoryType: l.memoryType ?? '',
    note: !l.present
      ? 'not present'
      : l.leaf
        ? l.level > 1
          ? `${l.level === 3 ? '1 GiB' : '2 MiB'} page`
          : '4 KiB page'
        : '',
  }));
}

// A GPA/GVA typed in the EPT view: hex or decimal, 64-bit.
export function parseAddress(text: string): bigint {
  return parseFieldValue(text, 64);
}

// ---- VM exits: counts per reason and the rate over time ----------------------------------------
export interface ExitSample {
  atMs: number; // host clock when read
  counts: Map<string, number>;
}
export interface ExitSeries {
  reasons: { reason: string; total: number; ratePerSecond: number }[]; // most frequent first
  points: { atMs: number; ratePerSecond: number }[]; // total exit rate between samples
}

export class ExitHistory {
  private samples: ExitSample[] = [];
  constructor(private readonly keep = 120) {}

  add(r: ExitStatsResponse, atMs: number): void {
    this.samples.push({ atMs, counts: new Map(r.counts.map((c) => [c.reason, c.count])) });
    if (this.samples.length > this.keep) this.samples.shift();
  }

  clear(): void {
    this.samples = [];
  }

  series(): ExitSeries {
    const s = this.samples;
    const last = s[s.length - 1];
    if (!last) return { reasons: [], points: [] };
    const prev = s[s.length - 2];
    const dt = prev ? (last.atMs - prev.atMs) / 1000 : 0;
    const reasons = [...last.counts.entries()]
      .map(([reason, total]) => ({
        reason,
        total,
        ratePerSecond: prev && dt > 0 ? Math.max(0, total - (prev.counts.get(reason) ?? 0)) / dt : 0,
      }))
      .sort((a, b) => b.total - a.total || a.reason.localeCompare(b.reason));
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    const points: ExitSeries['points'] = [];
    for (let i = 1; i < s.length; i++) {
      const d = (s[i].atMs - s[i - 1].atMs) / 1000;
      // A counter that went down means the target restarted: no rate for that interval.
      const delta = sum(s[i].counts) - sum(s[i - 1].counts);
      if (d > 0 && delta >= 0) points.push({ atMs: s[i].atMs, ratePerSecond: delta / d });
    }
    return { reasons, points };
  }
}
