// Section structure of .inf/.dec/.dsc/.fdf files: `[Name.Arch.ModuleType, Name2.Arch]` headers and the
// lines each one owns. The outline, folding and every other parser start from here.
import { splitLines, stripComment } from './text';

export type Edk2FileKind = 'inf' | 'dec' | 'dsc' | 'fdf';

const ARCHES = new Set(['COMMON', 'IA32', 'X64', 'EBC', 'ARM', 'AARCH64', 'RISCV64', 'LOONGARCH64', 'IPF']);
const MODULE_TYPES = new Set([
  'BASE',
  'SEC',
  'PEI_CORE',
  'PEIM',
  'DXE_CORE',
  'DXE_DRIVER',
  'DXE_RUNTIME_DRIVER',
  'DXE_SAL_DRIVER',
  'DXE_SMM_DRIVER',
  'SMM_CORE',
  'MM_STANDALONE',
  'MM_CORE_STANDALONE',
  'UEFI_DRIVER',
  'UEFI_APPLICATION',
  'USER_DEFINED',
  'HOST_APPLICATION',
]);

/** One name of a header: `LibraryClasses.common.DXE_DRIVER` is name LibraryClasses, arch common, module type DXE_DRIVER. */
export interface SectionName {
  /** The section type as written (`LibraryClasses`, `FV`...). */
  name: string;
  /** Everything after the first dot, as written. */
  qualifiers: string[];
  arch?: string;
  moduleType?: string;
}

export interface Section {
  /** Header text between the brackets, trimmed. */
  header: string;
  names: SectionName[];
  /** Line of the header (0-based). */
  line: number;
  /** Last line that belongs to the section: trailing blank and comment-only lines are left to the next one. */
  endLine: number;
  /** Columns of `[` and one past `]` on the header line. */
  headerStart: number;
  headerEnd: number;
}

export function fileKindOf(fileName: string): Edk2FileKind | undefined {
  const m = /\.(inf|dec|dsc|fdf)(?:\.inc)?$/i.exec(fileName);
  return m ? (m[1].toLowerCase() as Edk2FileKind) : undefined;
}

export function parseSectionName(text: string): SectionName {
  const parts = text.split('.').map((p) => p.trim());
  const result: SectionName = { name: parts[0], qualifiers: parts.slice(1) };
  for (const q of result.qualifiers) {
    const upper = q.toUpperCase();
    if (!result.arch && ARCHES.has(upper)) result.arch = q;
    else if (!result.moduleType && MODULE_TYPES.has(upper)) result.moduleType = q;
  }
  return result;
}

const HEADER = /^(\s*)\[([^\]]*)\]/;

export function parseSections(text: string | string[]): Section[] {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  const sections: Section[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i]);
    if (!m) continue;
    const header = m[2].trim();
    sections.push({
      header,
      names: header
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map(parseSectionName),
      line: i,
      endLine: i,
      headerStart: m[1].length,
      headerEnd: m[0].length,
    });
  }
  for (let s = 0; s < sections.length; s++) {
    let end = s + 1 < sections.length ? sections[s + 1].line - 1 : lines.length - 1;
    while (end > sections[s].line && stripComment(lines[end]).trim() === '') end--;
    sections[s].endLine = end;
  }
  return sections;
}

/** The section that owns a line, if any. */
export function sectionAt(sections: Section[], line: number): Section | undefined {
  let found: Section | undefined;
  for (const s of sections) {
    if (s.line > line) break;
    found = s;
  }
  return found;
}

/** The section type of a section, upper-cased for comparisons (`PCDSFIXEDATBUILD`). */
export function sectionType(section: Section | undefined): string {
  return section?.names[0]?.name.toUpperCase() ?? '';
}
