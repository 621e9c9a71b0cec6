// Document symbols (the outline) for .inf/.dec/.dsc/.fdf: one symbol per section, with the entries that
// matter inside it: components and their override blocks, library instances, PCDs, DEFINEs, and in an
// .fdf the FDs, FVs, capsules, rules, regions and the INF/FILE statements.
import { Edk2FileKind, Section, parseSections, sectionType } from './sections';
import { splitFields, splitLines, stripComment } from './text';

export type Edk2SymbolKind =
  | 'section'
  | 'define'
  | 'component'
  | 'library-instance'
  | 'library-class'
  | 'pcd'
  | 'guid'
  | 'package'
  | 'source'
  | 'fd'
  | 'fv'
  | 'capsule'
  | 'rule'
  | 'region'
  | 'inf'
  | 'file'
  | 'entry';

export interface LineRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export interface Edk2Symbol {
  name: string;
  detail: string;
  kind: Edk2SymbolKind;
  range: LineRange;
  selectionRange: LineRange;
  children: Edk2Symbol[];
}

interface Statement {
  line: number;
  /** Text without comment, trimmed. */
  text: string;
  /** Column where `text` starts. */
  column: number;
}

function statements(lines: string[], from: number, to: number): Statement[] {
  const result: Statement[] = [];
  for (let i = from; i <= to && i < lines.length; i++) {
    const raw = stripComment(lines[i]);
    const text = raw.trim();
    if (text === '') continue;
    result.push({ line: i, text, column: raw.length - raw.trimStart().length });
  }
  return result;
}

function lineRange(lines: string[], start: number, end = start): LineRange {
  return { startLine: start, startCharacter: 0, endLine: end, endCharacter: (lines[end] ?? '').length };
}

function tokenRange(st: Statement, length: number): LineRange {
  return {
    startLine: st.line,
    startCharacter: st.column,
    endLine: st.line,
    endCharacter: st.column + Math.max(1, length),
  };
}

function symbol(
  name: string,
  detail: string,
  kind: Edk2SymbolKind,
  range: LineRange,
  selectionRange: LineRange,
): Edk2Symbol {
  return { name, detail, kind, range, selectionRange, children: [] };
}

/** `DEFINE X = v`, `KEY = v`: the define symbol, or undefined. */
function defineSymbol(st: Statement, lines: string[]): Edk2Symbol | undefined {
  const m = /^(?:(DEFINE|EDK_GLOBAL)\s+)?([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(st.text);
  if (!m) return undefined;
  const keyColumn = st.text.indexOf(m[2]);
  const sel = tokenRange({ ...st, column: st.column + keyColumn }, m[2].length);
  return symbol(m[2], m[3], 'define', lineRange(lines, st.line), sel);
}

function firstField(text: string): string {
  return splitFields(text)[0];
}

/** Children of one section, by file kind and section type. */
function sectionChildren(kind: Edk2FileKind, section: Section, lines: string[]): Edk2Symbol[] {
  const type = sectionType(section);
  const sts = statements(lines, section.line + 1, section.endLine).filter((s) => !s.text.startsWith('!'));
  const children: Edk2Symbol[] = [];
  if (type === 'DEFINES') {
    for (const st of sts) {
      const d = defineSymbol(st, lines);
      if (d) children.push(d);
    }
    return children;
  }
  if (kind === 'dsc' && type === 'COMPONENTS') return componentSymbols(sts, lines);
  if (kind === 'fdf') return fdfChildren(type, sts, lines);

  for (const st of sts) {
    if (/^(DEFINE|EDK_GLOBAL)\s/.test(st.text)) {
      const d = defineSymbol(st, lines);
      if (d) children.push(d);
      continue;
    }
    const fields = splitFields(st.text);
    const first = fields[0].split(/\s*=\s*/)[0];
    let entryKind: Edk2SymbolKind = 'entry';
    let detail = fields.slice(1).join('|');
    if (type.startsWith('PCD') || type.endsWith('PCD')) entryKind = 'pcd';
    else if (type === 'LIBRARYCLASSES') entryKind = fields.length > 1 ? 'library-instance' : 'library-class';
    else if (type === 'PACKAGES') entryKind = 'package';
    else if (type === 'SOURCES' || type === 'BINARIES' || type === 'INCLUDES') entryKind = 'source';
    else if (type === 'GUIDS' || type === 'PROTOCOLS' || type === 'PPIS') {
      entryKind = 'guid';
      const eq = st.text.indexOf('=');
      if (eq > 0) detail = st.text.slice(eq + 1).trim();
    } else if (type === 'BUILDOPTIONS' || type === 'USEREXTENSIONS' || type === 'DEPEX') continue;
    children.push(symbol(first, detail, entryKind, lineRange(lines, st.line), tokenRange(st, first.length)));
  }
  return children;
}

/** [Components]: `path.inf` lines and `path.inf { <LibraryClasses> ... }` blocks. */
function componentSymbols(sts: Statement[], lines: string[]): Edk2Symbol[] {
  const result: Edk2Symbol[] = [];
  for (let i = 0; i < sts.length; i++) {
    const st = sts[i];
    if (/^(DEFINE|EDK_GLOBAL)\s/.test(st.text)) {
      const d = defineSymbol(st, lines);
      if (d) result.push(d);
      continue;
    }
    const m = /^([^\s{}|]+)\s*(\{)?/.exec(st.text);
    if (!m || st.text.startsWith('}')) continue;
    const path = m[1];
    const comp = symbol(
      baseName(path),
      path,
      'component',
      lineRange(lines, st.line),
      tokenRange(st, path.length),
    );
    if (m[2]) {
      let depth = braceDelta(st.text);
      let subsection = '';
      while (depth > 0 && i + 1 < sts.length) {
        const inner = sts[++i];
        depth += braceDelta(inner.text);
        const sub = /^<\s*([^>]+?)\s*>/.exec(inner.text);
        if (sub) {
          subsection = sub[1];
          continue;
        }
        if (depth <= 0 || inner.text.startsWith('}')) continue;
        const name = firstField(inner.text).split(/\s*=\s*/)[0];
        const kind: Edk2SymbolKind = subsection.toUpperCase().startsWith('PCD')
          ? 'pcd'
          : subsection.toUpperCase() === 'LIBRARYCLASSES'
            ? 'library-instance'
            : 'entry';
        const detail = [subsection && `<${subsection}>`, splitFields(inner.text).slice(1).join('|')]
          .filter((s) => s)
          .join(' ');
        comp.children.push(
          symbol(name, detail, kind, lineRange(lines, inner.line), tokenRange(inner, name.length)),
        );
      }
      comp.range = lineRange(lines, st.line, sts[i].line);
    }
    result.push(comp);
  }
  return result;
}

function braceDelta(text: string): number {
  let d = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') d++;
    else if (c === '}') d--;
  }
  return d;
}

function baseName(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] || path;
}

/** FD: regions (`offset|size` lines) with what they hold; FV/Capsule/Rule: INF and FILE statements. */
function fdfChildren(type: string, sts: Statement[], lines: string[]): Edk2Symbol[] {
  const result: Edk2Symbol[] = [];
  let region: Edk2Symbol | undefined;
  const num = '(?:0[xX][0-9A-Fa-f]+|\\d+|\\$\\([\\w.]+\\))';
  const regionRx = new RegExp(`^(${num})\\s*\\|\\s*(${num})$`);
  for (const st of sts) {
    const r = regionRx.exec(st.text);
    if (type === 'FD' && r) {
      region = symbol(
        `${r[1]}|${r[2]}`,
        '',
        'region',
        lineRange(lines, st.line),
        tokenRange(st, st.text.length),
      );
      result.push(region);
      continue;
    }
    const inf = /^INF\b\s*((?:\w+\s*=\s*(?:"[^"]*"|\S+)\s+)*)(\S+)$/.exec(st.text);
    if (inf) {
      const path = inf[2];
      const col = st.text.lastIndexOf(path);
      const s = symbol(
        baseName(path),
        path,
        'inf',
        lineRange(lines, st.line),
        tokenRange({ ...st, column: st.column + col }, path.length),
      );
      (region ? region.children : result).push(s);
      continue;
    }
    const file = /^FILE\s+(\w+)\s*=\s*([^\s{]+)/.exec(st.text);
    if (file) {
      const s = symbol(file[2], `FILE ${file[1]}`, 'file', lineRange(lines, st.line), tokenRange(st, 4));
      (region ? region.children : result).push(s);
      continue;
    }
    if (region) {
      const held = /^(FV|FILE|DATA|CAPSULE|INF)\s*=\s*(.*)$/.exec(st.text);
      if (held) {
        region.detail = region.detail || `${held[1]} = ${held[2].replace(/\{.*$/, '{...}')}`;
        region.range = lineRange(lines, region.range.startLine, st.line);
      } else if (/^[A-Za-z_]\w*\.[A-Za-z_]\w*\s*\|/.test(st.text) && region.range.endLine === st.line - 1) {
        region.range = lineRange(lines, region.range.startLine, st.line);
      }
    }
  }
  return result;
}

const FDF_KINDS: Record<string, Edk2SymbolKind> = {
  FD: 'fd',
  FV: 'fv',
  CAPSULE: 'capsule',
  FMPPAYLOAD: 'capsule',
  RULE: 'rule',
  OPTIONROM: 'fv',
};

export function documentSymbols(text: string | string[], kind: Edk2FileKind): Edk2Symbol[] {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  return parseSections(lines).map((section) => {
    const type = sectionType(section);
    const fdfKind = kind === 'fdf' ? FDF_KINDS[type] : undefined;
    const first = section.names[0];
    const name =
      fdfKind && type !== 'RULE' && first?.qualifiers.length ? first.qualifiers.join('.') : section.header;
    const detail = fdfKind && type !== 'RULE' ? first.name : '';
    const sym = symbol(name, detail, fdfKind ?? 'section', lineRange(lines, section.line, section.endLine), {
      startLine: section.line,
      startCharacter: section.headerStart,
      endLine: section.line,
      endCharacter: section.headerEnd,
    });
    sym.children = sectionChildren(kind, section, lines);
    return sym;
  });
}
