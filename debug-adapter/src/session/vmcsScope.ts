// The VMCS as a Variables scope: four groups (Guest state, Host state, Controls, Exit
// information) built from the driver's own table, control words decoded bit by bit, the exit
// reason and qualification decoded per reason, read-only fields marked so, and values changed since
// the previous stop flagged. Pure data: the session turns nodes into DAP variables.
import { decodeExitQualification, FieldGroup, VmcsField, VmcsTables } from '../vmcs/table';

export interface VmcsNode {
  name: string;
  value: string;
  readOnly: boolean;
  changed: boolean;
  encoding?: number; // a field node (editable through QHv.vmcs when !readOnly)
  description?: string;
  children?: VmcsNode[];
}

export const GROUP_TITLES: Record<FieldGroup, string> = {
  GUEST: 'Guest state',
  HOST: 'Host state',
  CTRL: 'Controls',
  EXIT: 'Exit information',
};
const GROUP_ORDER: FieldGroup[] = ['GUEST', 'HOST', 'CTRL', 'EXIT'];

const hexDigits = (f: VmcsField): number => (f.width === 16 ? 4 : f.width === 32 ? 8 : 16);

export function formatField(f: VmcsField, v: bigint): string {
  return `0x${v.toString(16).padStart(hexDigits(f), '0')}`;
}

function leaf(name: string, value: string, changed = false): VmcsNode {
  return { name, value, readOnly: true, changed };
}

function decodeChildren(
  t: VmcsTables,
  f: VmcsField,
  v: bigint,
  values: Map<number, bigint | undefined>,
): VmcsNode[] {
  if (t.bitsByField.has(f.name)) {
    const bits = t.bitsByField.get(f.name)!;
    const nodes = bits.map((b) => leaf(`${b.bit}: ${b.name}`, (v >> BigInt(b.bit)) & 1n ? '1' : '0'));
    for (const u of t.decodeControls(f.name, v).unnamed) nodes.push(leaf(`${u}: (reserved)`, '1'));
    return nodes;
  }
  if (f.name === 'VM_EXIT_REASON') {
    const r = t.decodeExitReason(Number(v & 0xffffffffn));
    return [
      leaf('basic reason', `${r.basic} (${r.name})`),
      leaf('VM-entry failure', r.entryFailure ? 'yes' : 'no'),
      leaf('from VMX root (SMM)', r.fromVmxRoot ? 'yes' : 'no'),
    ];
  }
  if (f.name === 'EXIT_QUALIFICATION') {
    const reason = values.get(0x4402);
    if (reason === undefined) return [];
    const q = decodeExitQualification(Number(reason & 0xffffn), v);
    if (q.kind === 'raw') return [];
    return Object.entries(q)
      .filter(([k]) => k !== 'kind')
      .map(([k, x]) =>
        leaf(
          k,
          typeof x === 'number' && k !== 'size' && k !== 'cr' && k !== 'dr'
            ? `0x${x.toString(16)}`
            : String(x),
        ),
      );
  }
  return [];
}

// `values`: encoding -> value (undefined: the CPU lacks the field). `previous`: the last stop's.
export function buildVmcsScope(
  t: VmcsTables,
  values: Map<number, bigint | undefined>,
  previous?: Map<number, bigint | undefined>,
): VmcsNode[] {
  const groups = new Map<FieldGroup, VmcsNode[]>(GROUP_ORDER.map((g) => [g, []]));
  for (const f of t.fields) {
    if (!values.has(f.encoding)) continue;
    const v = values.get(f.encoding);
    const was = previous?.get(f.encoding);
    const changed = previous !== undefined && previous.has(f.encoding) && was !== v;
    const node: VmcsNode = {
      name: f.name,
      value: v === undefined ? 'not supported by this CPU' : formatField(f, v),
      readOnly: f.readOnly || v === undefined,
      changed,
      encoding: f.encoding,
      description: f.description,
    };
    if (v !== undefined) {
      const children = decodeChildren(t, f, v, values);
      if (children.length) node.children = children;
    }
    groups.get(f.group)!.push(node);
  }
  return GROUP_ORDER.filter((g) => groups.get(g)!.length).map((g) => {
    const children = groups.get(g)!;
    const n = children.filter((c) => c.changed).length;
    return {
      name: GROUP_TITLES[g],
      value: `${children.length} fields${n ? `, ${n} changed` : ''}`,
      readOnly: true,
      changed: n > 0,
      children,
    };
  });
}

// A value typed by the user for a field: decimal or 0x hex, within the field's width.
export function parseFieldValue(f: VmcsField, text: string): bigint | { error: string } {
  const s = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) return { error: `'${text}' is not a number (decimal or 0x hex)` };
  const v = BigInt(s);
  const bits = f.width === 'NAT' ? 64 : f.width;
  if (v >> BigInt(bits) !== 0n) return { error: `${f.name} is ${bits}-bit; ${s} does not fit` };
  return v;
}
