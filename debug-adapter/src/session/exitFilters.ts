// VM-exit breakpoints, one exception-breakpoint filter per exit reason family, each with a small
// condition language evaluated by the stub: terms joined by &&, each `NAME == N`, `NAME != N`,
// `NAME in LO..HI` or a bare flag (`out`, `write`, ...). Numbers are decimal or 0x hex, BigInt.
// The parsed form is what goes to the stub: a list of ranges/flags per field, nothing left to eval.
import { ExitBreakpoint, ExitBreakpointFilters } from '../rsp/hvPackets';

export interface RangeTerm {
  kind: 'range';
  field: string;
  lo: bigint;
  hi: bigint;
  negate: boolean;
}
export interface FlagTerm {
  kind: 'flag';
  flag: string;
}
export type Term = RangeTerm | FlagTerm;

export interface ExitFilterDef {
  id: string;
  label: string;
  reasons: number[]; // basic exit reasons (vmx_exit_reasons.def numbers)
  fields: string[]; // condition fields beyond `cpu`
  flags: string[];
  description: string;
  conditionHelp: string;
  parseCondition(text: string | undefined): { terms: Term[] } | { error: string };
}

function def(
  id: string,
  label: string,
  reasons: number[],
  fields: string[],
  flags: string[],
  example: string,
): ExitFilterDef {
  const all = [...fields, 'cpu'];
  return {
    id,
    label,
    reasons,
    fields: all,
    flags,
    description: `Stop on VM exits: ${label}`,
    conditionHelp: `e.g. ${example}; fields: ${all.join(', ')}${flags.length ? `; flags: ${flags.join(', ')}` : ''}`,
    parseCondition: (text) => parseCondition(text, all, flags),
  };
}

// Reason numbers: Intel SDM Vol. 3D Appendix C, as in hv-driver/include/hv/vmx_exit_reasons.def.
// Fields and flags are exactly what the stub filters on (PROTOCOL.md, exit breakpoints).
export const EXIT_FILTERS: ExitFilterDef[] = [
  def('cpuid', 'CPUID', [10], ['leaf', 'subleaf'], [], 'leaf == 0x1'),
  def('rdmsr', 'RDMSR', [31], ['msr'], [], 'msr == 0xC0000082'),
  def('wrmsr', 'WRMSR', [32], ['msr'], [], 'msr == 0xC0000082'),
  def('cr', 'CR access', [28], ['cr'], [], 'cr == 3'),
  def('io', 'I/O instruction', [30], ['port'], ['in', 'out'], 'port == 0xCF8 && out'),
  def('ept', 'EPT violation / misconfiguration', [48, 49], ['gpa'], [], 'gpa in 0xFEE00000..0xFEE00FFF'),
  def('xsetbv', 'XSETBV', [55], [], [], 'cpu == 0'),
  def('init-sipi', 'INIT / SIPI', [3, 4], [], [], 'cpu == 1'),
  def('triple-fault', 'Triple fault', [2], [], [], 'cpu == 0'),
  def('exception', 'Exception or NMI', [0], [], [], 'cpu == 0'),
  def('vmcall', 'VMCALL', [18], [], [], 'cpu == 0'),
  def(
    'vmx-insn',
    'VMX instruction (nested)',
    [19, 20, 21, 22, 23, 24, 25, 26, 27, 50, 53],
    [],
    [],
    'cpu == 0',
  ),
  def('hlt', 'HLT', [12], [], [], 'cpu == 1'),
];

const RANGE_FIELDS = new Set(['port', 'gpa']);

// Parsed terms -> the stub's exit breakpoints (one per exit reason of the family), ids from firstId.
export function toStubBreakpoints(
  f: ExitFilterDef,
  terms: Term[],
  firstId: number,
): { breakpoints: ExitBreakpoint[] } | { error: string } {
  const filters: ExitBreakpointFilters = {};
  for (const t of terms) {
    if (t.kind === 'flag') {
      filters.dir = t.flag as 'in' | 'out';
      continue;
    }
    if (t.negate) return { error: `'${t.field} !=' is not a filter the stub has; use == or in` };
    if (t.lo !== t.hi && !RANGE_FIELDS.has(t.field))
      return { error: `'${t.field}' takes one value, not a range` };
    const small = (what: string, max: bigint): number | { error: string } =>
      t.lo > max ? { error: `${what} ${t.lo.toString(16)} is out of range` } : Number(t.lo);
    const bounded: Record<string, bigint> = {
      cpu: 0xffffn,
      leaf: 0xffffffffn,
      subleaf: 0xffffffffn,
      msr: 0xffffffffn,
      cr: 15n,
    };
    if (t.field === 'port') {
      if (t.hi > 0xffffn) return { error: `port 0x${t.hi.toString(16)} is above 0xFFFF` };
      filters.port = { lo: Number(t.lo), hi: Number(t.hi) };
    } else if (t.field === 'gpa') {
      filters.gpa = { lo: t.lo, hi: t.hi };
    } else {
      const v = small(t.field, bounded[t.field]);
      if (typeof v !== 'number') return v;
      (filters as Record<string, number>)[t.field] = v;
    }
  }
  if (firstId + f.reasons.length > 16) return { error: 'the stub holds 16 exit breakpoints; remove some' };
  return { breakpoints: f.reasons.map((reason, i) => ({ id: firstId + i, reason, ...filters })) };
}

const NUMBER = /^(0x[0-9a-fA-F]+|[0-9]+)$/;

function num(text: string): bigint | undefined {
  return NUMBER.test(text) ? BigInt(text) : undefined;
}

export function parseCondition(
  text: string | undefined,
  fields: string[],
  flags: string[],
): { terms: Term[] } | { error: string } {
  if (text === undefined || text.trim() === '') return { terms: [] };
  const terms: Term[] = [];
  for (const part of text.split('&&').map((p) => p.trim())) {
    if (part === '') return { error: `empty term in '${text}'` };
    let m = /^([a-z]+)\s*(==|!=)\s*(\S+)$/.exec(part);
    if (m) {
      if (!fields.includes(m[1])) return { error: `unknown field '${m[1]}' (have: ${fields.join(', ')})` };
      const v = num(m[3]);
      if (v === undefined) return { error: `'${m[3]}' is not a number (decimal or 0x hex)` };
      terms.push({ kind: 'range', field: m[1], lo: v, hi: v, negate: m[2] === '!=' });
      continue;
    }
    m = /^([a-z]+)\s+in\s+(\S+?)\s*\.\.\s*(\S+)$/.exec(part);
    if (m) {
      if (!fields.includes(m[1])) return { error: `unknown field '${m[1]}' (have: ${fields.join(', ')})` };
      const lo = num(m[2]);
      const hi = num(m[3]);
      if (lo === undefined || hi === undefined) return { error: `'${part}': bounds must be numbers` };
      if (lo > hi) return { error: `'${part}': empty range (${m[2]} > ${m[3]})` };
      terms.push({ kind: 'range', field: m[1], lo, hi, negate: false });
      continue;
    }
    if (/^[a-z]+$/.test(part)) {
      if (!flags.includes(part))
        return { error: `unknown flag '${part}'${flags.length ? ` (have: ${flags.join(', ')})` : ''}` };
      terms.push({ kind: 'flag', flag: part });
      continue;
    }
    return { error: `cannot read '${part}' (use NAME == N, NAME != N, NAME in LO..HI or a flag)` };
  }
  return { terms };
}
