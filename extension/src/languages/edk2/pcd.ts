// PCD declarations from .dec files, an index over many of them, and the hover text for a PCD reference.
import { parseSections, sectionAt, sectionType } from './sections';
import { commentStart, commentText, splitFields, splitLines, stripComment } from './text';

export interface PcdDeclaration {
  tokenSpace: string;
  name: string;
  defaultValue: string;
  datumType: string;
  token: string;
  /** Section types of the header the declaration is under: ['PcdsFixedAtBuild', 'PcdsPatchableInModule']. */
  sectionTypes: string[];
  /** Architectures named by the header ('common' when none). */
  archs: string[];
  /** The comment block right above the declaration and its trailing comment, without `#`s. */
  comments: string[];
  prompt?: string;
  file: string;
  /** 0-based line of the declaration. */
  line: number;
}

export interface GuidDeclaration {
  name: string;
  /** Registry format, upper case: 6A1B2C3D-4E5F-4A6B-8C9D-AEBF10213243. */
  value: string;
  file: string;
  line: number;
}

export interface DecContents {
  pcds: PcdDeclaration[];
  guids: GuidDeclaration[];
}

/** `{ 0x6a1b2c3d, 0x4e5f, 0x4a6b, { 0x8c, ... } }` or a registry-format GUID, as registry format. */
export function guidToRegistryFormat(text: string): string | undefined {
  const registry =
    /^\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\s*$/.exec(text);
  if (registry) return registry[1].toUpperCase();
  const nums = text.match(/0[xX][0-9A-Fa-f]+/g);
  if (!nums || nums.length !== 11 || !/^\s*\{/.test(text)) return undefined;
  const v = nums.map((n) => BigInt(n));
  const hex = (n: bigint, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
  if (v[0] > 0xffffffffn || v[1] > 0xffffn || v[2] > 0xffffn || v.slice(3).some((b) => b > 0xffn))
    return undefined;
  const tail = v.slice(3).map((b) => hex(b, 2));
  return `${hex(v[0], 8)}-${hex(v[1], 4)}-${hex(v[2], 4)}-${tail.slice(0, 2).join('')}-${tail.slice(2).join('')}`;
}

const PCD_LINE = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\|(.*)$/;

export function parseDec(text: string, file: string): DecContents {
  const lines = splitLines(text);
  const sections = parseSections(lines);
  const result: DecContents = { pcds: [], guids: [] };
  for (let i = 0; i < lines.length; i++) {
    const code = stripComment(lines[i]).trim();
    if (code === '' || code.startsWith('[')) continue;
    const section = sectionAt(sections, i);
    const type = sectionType(section);
    if (type.startsWith('PCDS')) {
      const m = PCD_LINE.exec(code);
      if (!m || !section) continue;
      const fields = splitFields(m[3]);
      const above = commentsAbove(lines, i);
      const trailing = commentStart(lines[i]) >= 0 ? commentText(lines[i]) : undefined;
      const promptLine = above.find((c) => /@Prompt\b/.test(c));
      result.pcds.push({
        tokenSpace: m[1],
        name: m[2],
        defaultValue: fields[0] ?? '',
        datumType: fields[1] ?? '',
        token: fields[2] ?? '',
        sectionTypes: [...new Set(section.names.map((n) => n.name))],
        archs: [...new Set(section.names.map((n) => n.arch ?? 'common'))],
        comments: [...above.filter((c) => c !== promptLine), ...(trailing ? [trailing] : [])],
        prompt: promptLine?.replace(/^.*@Prompt\s*/, '').trim(),
        file,
        line: i,
      });
    } else if (type === 'GUIDS' || type === 'PROTOCOLS' || type === 'PPIS') {
      const m = /^([A-Za-z_]\w*)\s*=\s*(.+)$/.exec(code);
      const value = m && guidToRegistryFormat(m[2]);
      if (m && value) result.guids.push({ name: m[1], value, file, line: i });
    }
  }
  return result;
}

/** The comment lines directly above line `at` (no blank line in between), top first, `#`s removed. */
function commentsAbove(lines: string[], at: number): string[] {
  const out: string[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const raw = lines[i].trim();
    if (!raw.startsWith('#')) break;
    const text = raw
      .replace(/^#+\s*/, '')
      .replace(/<BR>/gi, ' ')
      .trim();
    if (/^#*$/.test(raw)) continue;
    out.unshift(text);
  }
  return out;
}

/** Declarations of every indexed .dec, replaced file by file as files change. */
export class PcdIndex {
  private readonly files = new Map<string, DecContents>();

  setFile(file: string, text: string): void {
    this.files.set(file, parseDec(text, file));
  }

  removeFile(file: string): void {
    this.files.delete(file);
  }

  clear(): void {
    this.files.clear();
  }

  get fileCount(): number {
    return this.files.size;
  }

  lookup(tokenSpace: string, name: string): PcdDeclaration[] {
    const found: PcdDeclaration[] = [];
    for (const c of this.files.values()) {
      for (const p of c.pcds) if (p.tokenSpace === tokenSpace && p.name === name) found.push(p);
    }
    return found;
  }

  guid(name: string): GuidDeclaration | undefined {
    for (const c of this.files.values()) {
      const g = c.guids.find((x) => x.name === name);
      if (g) return g;
    }
    return undefined;
  }
}

export interface PcdReference {
  tokenSpace: string;
  name: string;
  start: number;
  end: number;
}

/** The `TokenSpaceGuid.PcdName` under the cursor (outside comments), if any. */
export function pcdReferenceAt(lineText: string, character: number): PcdReference | undefined {
  const comment = commentStart(lineText);
  const rx = /(?<![\w./\\$-])([A-Za-z_]\w*)\.([A-Za-z_]\w*)(?![\w/\\(])/g;
  for (let m = rx.exec(lineText); m; m = rx.exec(lineText)) {
    const start = m.index;
    const end = start + m[0].length;
    if (comment >= 0 && start >= comment) break;
    if (character >= start && character <= end && !/\.(inf|dec|dsc|fdf|c|h|efi|inc)$/i.test(m[0])) {
      return { tokenSpace: m[1], name: m[2], start, end };
    }
  }
  return undefined;
}

/** Comment text shown as text: `ASSERT***` and `MDEPKG_NDEBUG` must not turn into emphasis. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|~]/g, (c) => `\\${c}`);
}

/** Markdown for a hover; `displayPath` turns an absolute .dec path into what the user should read. */
export function pcdHoverMarkdown(
  ref: Pick<PcdReference, 'tokenSpace' | 'name'>,
  declarations: PcdDeclaration[],
  index: Pick<PcdIndex, 'guid' | 'fileCount'>,
  displayPath: (file: string) => string = (f) => f,
): string {
  const title = `**${ref.tokenSpace}.${ref.name}**`;
  if (declarations.length === 0) {
    return `${title}\n\nNot declared in any of the ${index.fileCount} .dec files of the workspace.`;
  }
  const parts = [title];
  for (const d of declarations) {
    const where = `${displayPath(d.file)}:${d.line + 1}`;
    const lines = [
      `\`${d.datumType || '?'}\` · ${d.sectionTypes.join(', ')}${d.archs.some((a) => a !== 'common') ? ` (${d.archs.join(', ')})` : ''}`,
      '',
      `Default: \`${d.defaultValue}\` · Token: \`${d.token}\``,
    ];
    if (d.prompt) lines.push('', `*${escapeMarkdown(d.prompt)}*`);
    if (d.comments.length) lines.push('', d.comments.map(escapeMarkdown).join('  \n'));
    lines.push('', `Declared in \`${where}\``);
    parts.push(lines.join('\n'));
  }
  const g = index.guid(ref.tokenSpace);
  parts.push(
    g
      ? `Token space \`${ref.tokenSpace}\` = \`${g.value}\` (${displayPath(g.file)}:${g.line + 1})`
      : `Token space \`${ref.tokenSpace}\`: GUID not found in the indexed .dec files`,
  );
  return parts.join('\n\n---\n\n');
}
