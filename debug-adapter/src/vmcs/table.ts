// The VMCS knowledge the driver and the adapter share: hv-driver/include/hv/vmcs_fields.def,
// vmcs_control_bits.def and vmx_exit_reasons.def, parsed at run time (one regular expression per
// line, as those files promise), plus decoders of control words, exit reasons, exit qualifications
// and EPT entries for the VMCS and EPT views. Values are BigInt.
import * as fs from 'fs';
import * as path from 'path';

export type FieldWidth = 16 | 32 | 64 | 'NAT';
export type FieldGroup = 'CTRL' | 'EXIT' | 'GUEST' | 'HOST';

export interface VmcsField {
  encoding: number;
  name: string;
  width: FieldWidth;
  group: FieldGroup;
  readOnly: boolean;
  description: string;
}

export interface ControlBit {
  field: string;
  bit: number;
  name: string;
  description: string;
}

export interface ExitReason {
  number: number;
  name: string;
  description: string;
}

export class TableError extends Error {}

const FIELD_RE =
  /^VMCS_FIELD\((0x[0-9a-fA-F]+), ([A-Z0-9_]+), (16|32|64|NAT), (CTRL|EXIT|GUEST|HOST), (RW|RO), "([^"]*)"\)\s*$/;
const BIT_RE = /^VMCS_CONTROL_BIT\(([A-Z0-9_]+), (\d+), ([A-Z0-9_]+), "([^"]*)"\)\s*$/;
const REASON_RE = /^VMX_EXIT_REASON\((\d+), ([A-Z0-9_]+), "([^"]*)"\)\s*$/;

/** Lines that are entries (start with the macro name); comments and blank lines are skipped. */
function entries(text: string, macro: string, file: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  text.split(/\r?\n/).forEach((t, i) => {
    if (t.startsWith(macro + '(')) out.push({ line: i + 1, text: t });
    else if (t.includes(macro + '(') && !/^\s*(\/\*|\*)/.test(t)) {
      throw new TableError(`${file}:${i + 1}: ${macro} entry not at the start of its line`);
    }
  });
  return out;
}

const WIDTH_BITS: Record<string, number> = { '16': 0, '64': 1, '32': 2, NAT: 3 };
const GROUP_BITS: Record<FieldGroup, number> = { CTRL: 0, EXIT: 1, GUEST: 2, HOST: 3 };

export function parseVmcsFields(text: string, file = 'vmcs_fields.def'): VmcsField[] {
  const seen = new Set<number>();
  return entries(text, 'VMCS_FIELD', file).map(({ line, text: t }) => {
    const m = FIELD_RE.exec(t);
    if (!m) throw new TableError(`${file}:${line}: malformed VMCS_FIELD entry`);
    const encoding = parseInt(m[1], 16);
    const width = (m[3] === 'NAT' ? 'NAT' : Number(m[3])) as FieldWidth;
    const group = m[4] as FieldGroup;
    // The encoding says its width (bits 14:13) and type (bits 11:10): the table must agree.
    if (((encoding >> 13) & 3) !== WIDTH_BITS[m[3]] || ((encoding >> 10) & 3) !== GROUP_BITS[group]) {
      throw new TableError(`${file}:${line}: ${m[2]} width/group disagree with encoding ${m[1]}`);
    }
    if ((m[5] === 'RO') !== (group === 'EXIT')) {
      throw new TableError(`${file}:${line}: ${m[2]} is ${m[5]} but in group ${group}`);
    }
    if (seen.has(encoding)) throw new TableError(`${file}:${line}: encoding ${m[1]} listed twice`);
    seen.add(encoding);
    return { encoding, name: m[2], width, group, readOnly: m[5] === 'RO', description: m[6] };
  });
}

export function parseControlBits(text: string, file = 'vmcs_control_bits.def'): ControlBit[] {
  return entries(text, 'VMCS_CONTROL_BIT', file).map(({ line, text: t }) => {
    const m = BIT_RE.exec(t);
    if (!m || Number(m[2]) > 63) throw new TableError(`${file}:${line}: malformed VMCS_CONTROL_BIT entry`);
    return { field: m[1], bit: Number(m[2]), name: m[3], description: m[4] };
  });
}

export function parseExitReasons(text: string, file = 'vmx_exit_reasons.def'): ExitReason[] {
  return entries(text, 'VMX_EXIT_REASON', file).map(({ line, text: t }) => {
    const m = REASON_RE.exec(t);
    if (!m) throw new TableError(`${file}:${line}: malformed VMX_EXIT_REASON entry`);
    return { number: Number(m[1]), name: m[2], description: m[3] };
  });
}

export class VmcsTables {
  readonly byEncoding = new Map<number, VmcsField>();
  readonly byName = new Map<string, VmcsField>();
  readonly bitsByField = new Map<string, ControlBit[]>();
  readonly reasons = new Map<number, ExitReason>();

  constructor(
    readonly fields: VmcsField[],
    bits: ControlBit[],
    reasons: ExitReason[],
  ) {
    for (const f of fields) {
      this.byEncoding.set(f.encoding, f);
      this.byName.set(f.name, f);
    }
    for (const b of bits) {
      if (!this.byName.has(b.field)) throw new TableError(`control bit ${b.name}: unknown field ${b.field}`);
      const list = this.bitsByField.get(b.field) ?? [];
      list.push(b);
      this.bitsByField.set(b.field, list);
    }
    for (const r of reasons) this.reasons.set(r.number, r);
  }

  /** Reads the three tables from a directory (default: the repository's hv-driver/include/hv). */
  static load(dir = defaultTableDir()): VmcsTables {
    const read = (f: string): string => {
      const p = path.join(dir, f);
      try {
        return fs.readFileSync(p, 'utf8');
      } catch (e) {
        throw new TableError(`cannot read VMCS table ${p}: ${(e as Error).message}`);
      }
    };
    return new VmcsTables(
      parseVmcsFields(read('vmcs_fields.def')),
      parseControlBits(read('vmcs_control_bits.def')),
      parseExitReasons(read('vmx_exit_reasons.def')),
    );
  }

  /** The named bits set in a control word, and the set bits the table does not name. */
  decodeControls(field: string, value: bigint): { set: ControlBit[]; unnamed: number[] } {
    const bits = this.bitsByField.get(field);
    if (!bits) throw new TableError(`${field} has no named bits`);
    const set: ControlBit[] = [];
    const unnamed: number[] = [];
    for (let i = 0; i < 64; i++) {
      if (!((value >> BigInt(i)) & 1n)) continue;
      const b = bits.find((x) => x.bit === i);
      if (b) set.push(b);
      else unnamed.push(i);
    }
    return { set, unnamed };
  }

  /** The full exit reason (VMCS 0x4402) split into its parts. */
  decodeExitReason(full: number): {
    basic: number;
    name: string;
    entryFailure: boolean;
    fromVmxRoot: boolean;
  } {
    const basic = full & 0xffff;
    return {
      basic,
      name: this.reasons.get(basic)?.name ?? `reason ${basic}`,
      entryFailure: (full & 0x80000000) !== 0,
      fromVmxRoot: (full & 0x20000000) !== 0,
    };
  }
}

export function defaultTableDir(): string {
  // out/debug-adapter/src/vmcs -> repository root, the sources when run from ts-node, or dist/ of
  // the installed extension (the .vsix ships hv-driver/include/hv/*.def).
  for (const up of ['../../../..', '../../..', '..']) {
    const dir = path.resolve(__dirname, up, 'hv-driver/include/hv');
    if (fs.existsSync(path.join(dir, 'vmcs_fields.def'))) return dir;
  }
  return path.resolve(__dirname, '../../../../hv-driver/include/hv');
}

// ---- exit qualifications (SDM Vol. 3C, 28.2.1) ------------------------------------------------
const GPRS = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
];

export type ExitQualification =
  | {
      kind: 'cr';
      cr: number;
      access: 'mov-to-cr' | 'mov-from-cr' | 'clts' | 'lmsw';
      gpr?: string;
      lmswSource?: number;
    }
  | { kind: 'dr'; dr: number; direction: 'to-dr' | 'from-dr'; gpr: string }
  | {
      kind: 'io';
      port: number;
      size: 1 | 2 | 4;
      direction: 'in' | 'out';
      string: boolean;
      rep: boolean;
      immediate: boolean;
    }
  | {
      kind: 'ept';
      read: boolean;
      write: boolean;
      fetch: boolean;
      readable: boolean;
      writable: boolean;
      executable: boolean;
      linearValid: boolean;
      /** With linearValid: the access was to the translated page, not to a guest paging structure. */
      translation: boolean;
      nmiUnblocking: boolean;
    }
  | { kind: 'task-switch'; selector: number; source: 'call' | 'iret' | 'jmp' | 'idt-gate' }
  | { kind: 'raw'; value: bigint };

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const bits = (v: bigint, lo: number, n: number): number =>
  Number((v >> BigInt(lo)) & ((1n << BigInt(n)) - 1n));

export function decodeExitQualification(basicReason: number, q: bigint): ExitQualification {
  switch (basicReason) {
    case 28: {
      const access = (['mov-to-cr', 'mov-from-cr', 'clts', 'lmsw'] as const)[bits(q, 4, 2)];
      const out: ExitQualification = { kind: 'cr', cr: bits(q, 0, 4), access };
      if (access === 'mov-to-cr' || access === 'mov-from-cr') out.gpr = GPRS[bits(q, 8, 4)];
      if (access === 'lmsw') out.lmswSource = bits(q, 16, 16);
      return out;
    }
    case 29:
      return {
        kind: 'dr',
        dr: bits(q, 0, 3),
        direction: bit(q, 4) ? 'from-dr' : 'to-dr',
        gpr: GPRS[bits(q, 8, 4)],
      };
    case 30: {
      const size = bits(q, 0, 3) + 1;
      return {
        kind: 'io',
        port: bits(q, 16, 16),
        size: size === 2 || size === 4 ? size : 1,
        direction: bit(q, 3) ? 'in' : 'out',
        string: bit(q, 4),
        rep: bit(q, 5),
        immediate: bit(q, 6),
      };
    }
    case 48:
      return {
        kind: 'ept',
        read: bit(q, 0),
        write: bit(q, 1),
        fetch: bit(q, 2),
        readable: bit(q, 3),
        writable: bit(q, 4),
        executable: bit(q, 5),
        linearValid: bit(q, 7),
        translation: bit(q, 7) && bit(q, 8),
        nmiUnblocking: bit(q, 12),
      };
    case 9:
      return {
        kind: 'task-switch',
        selector: bits(q, 0, 16),
        source: (['call', 'iret', 'jmp', 'idt-gate'] as const)[bits(q, 30, 2)],
      };
    default:
      return { kind: 'raw', value: q };
  }
}

// ---- EPT entries (PROTOCOL.md 5.5) -------------------------------------------------------------
export const EPT_MEMORY_TYPES: Record<number, string> = { 0: 'UC', 1: 'WC', 4: 'WT', 5: 'WP', 6: 'WB' };

export interface EptEntryBits {
  read: boolean;
  write: boolean;
  execute: boolean;
  /** Leaf entries only. */
  memoryType?: string;
  ignorePat?: boolean;
  largePage: boolean;
  accessed: boolean;
  dirty: boolean;
  userExecute: boolean;
  address: bigint;
}

/** Decodes an EPT entry of the given level (4 = PML4); `leaf` when it maps a page. */
export function decodeEptEntry(entry: bigint, level: number, leaf: boolean): EptEntryBits {
  const large = (level === 2 || level === 3) && bit(entry, 7);
  const out: EptEntryBits = {
    read: bit(entry, 0),
    write: bit(entry, 1),
    execute: bit(entry, 2),
    largePage: large,
    accessed: bit(entry, 8),
    dirty: leaf && bit(entry, 9),
    userExecute: bit(entry, 10),
    address: entry & 0x000ffffffffff000n,
  };
  if (leaf) {
    const mt = bits(entry, 3, 3);
    out.memoryType = EPT_MEMORY_TYPES[mt] ?? `reserved(${mt})`;
    out.ignorePat = bit(entry, 6);
  }
  return out;
}
