// Go to Definition for paths in EDK2 files, resolved the way BaseTools does: a path in a .dsc/.fdf (and an
// .inf's [Packages]) is relative to WORKSPACE or a PACKAGES_PATH entry; a path in an .inf's [Sources] is
// relative to the .inf; `!include` first tries the including file's folder. `$(MACRO)`s are expanded from
// the file's DEFINEs and [Defines]. The file system is injected so callers decide what "exists" means.
import * as fs from 'fs';
import * as path from 'path';
import { Edk2FileKind, parseSections, sectionAt, sectionType } from './sections';
import { commentStart, splitLines, stripComment } from './text';

export interface FileSystemView {
  exists(p: string): boolean;
  readdir(dir: string): string[];
}

export const nodeFileSystem: FileSystemView = {
  exists: (p) => fs.existsSync(p),
  readdir: (dir) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** How a path is resolved: relative to the file ('source'), to the roots ('package' ...), or both ('include'). */
export type PathContext =
  'source' | 'include' | 'package' | 'component' | 'library-instance' | 'inf' | 'file' | 'path';

export interface PathReference {
  /** The path as written (macros not expanded). */
  text: string;
  line: number;
  start: number;
  end: number;
  context: PathContext;
}

const PATH_EXTENSIONS =
  /\.(inf|dec|dsc|fdf|inc|c|h|nasm|nasmb|asm|s|uni|vfr|hfr|asl|aslc|act|idf|efi|bin|raw|depex|txt|cfg|json|py|fd|fv|rom|lds)$/i;
const SEPARATORS = /[\s|"'{}=,<>]/;

/** Is this token a file path (rather than a PCD name, a number or a word)? */
export function looksLikePath(token: string): boolean {
  if (token === '' || /^0[xX][0-9A-Fa-f]+$/.test(token)) return false;
  return /[/\\]/.test(token) || PATH_EXTENSIONS.test(token);
}

/** The path under the cursor, if the cursor is on one. */
export function pathReferenceAt(
  text: string | string[],
  line: number,
  character: number,
  kind: Edk2FileKind,
): PathReference | undefined {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  const lineText = lines[line];
  if (lineText === undefined) return undefined;
  const comment = commentStart(lineText);
  const limit = comment < 0 ? lineText.length : comment;
  if (character > limit) return undefined;
  let start = Math.min(character, limit);
  let end = start;
  while (start > 0 && !SEPARATORS.test(lineText[start - 1])) start--;
  while (end < limit && !SEPARATORS.test(lineText[end])) end++;
  const token = lineText.slice(start, end);
  if (!looksLikePath(token)) return undefined;
  return { text: token, line, start, end, context: contextOf(lines, line, start, kind) };
}

function contextOf(lines: string[], line: number, column: number, kind: Edk2FileKind): PathContext {
  const statement = stripComment(lines[line]).trim();
  if (/^!include\b/i.test(statement)) return 'include';
  const type = sectionType(sectionAt(parseSections(lines), line));
  const before = lines[line].slice(0, column);
  switch (kind) {
    case 'inf':
      if (type === 'PACKAGES') return 'package';
      return type === 'SOURCES' || type === 'BINARIES' || type === 'DEFINES' ? 'source' : 'path';
    case 'dec':
      return 'source';
    case 'dsc':
      if (type === 'COMPONENTS') return before.includes('|') ? 'library-instance' : 'component';
      if (type === 'LIBRARYCLASSES') return 'library-instance';
      return 'path';
    case 'fdf':
      return /^\s*INF\b/.test(before) ? 'inf' : 'file';
  }
}

/** DEFINEs and [Defines] entries of a file, in order, each value expanded with what came before. */
export function collectMacros(
  text: string | string[],
  kind: Edk2FileKind,
  builtins: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  const macros = new Map(builtins);
  const sections = parseSections(lines);
  for (let i = 0; i < lines.length; i++) {
    const st = stripComment(lines[i]).trim();
    let m = /^(?:DEFINE|EDK_GLOBAL)\s+([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(st);
    if (!m && kind !== 'dec' && sectionType(sectionAt(sections, i)) === 'DEFINES') {
      m = /^([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(st);
    }
    if (m) macros.set(m[1], expandMacros(m[2].trim(), macros));
  }
  return macros;
}

/** Replaces every known `$(NAME)`; unknown ones stay as written. */
export function expandMacros(text: string, macros: ReadonlyMap<string, string>): string {
  let result = text;
  for (let pass = 0; pass < 8 && result.includes('$('); pass++) {
    const next = result.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => macros.get(name) ?? whole);
    if (next === result) break;
    result = next;
  }
  return result;
}

/** The package a file belongs to: the nearest folder up from the file that holds a .dec. */
export interface PackageInfo {
  /** The .dec's base name (HvPkg), which is how other files name the package in paths. */
  name: string;
  /** The folder holding the .dec. */
  dir: string;
}

export function packageOf(
  filePath: string,
  fsView: FileSystemView = nodeFileSystem,
): PackageInfo | undefined {
  let dir = path.dirname(filePath);
  for (let depth = 0; depth < 12; depth++) {
    const dec = fsView.readdir(dir).find((f) => /\.dec$/i.test(f));
    if (dec) return { name: dec.replace(/\.dec$/i, ''), dir };
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** The folder that holds the package folder: the PACKAGES_PATH entry the package is found through. */
export function packageRootOf(filePath: string, fsView: FileSystemView = nodeFileSystem): string | undefined {
  const pkg = packageOf(filePath, fsView);
  return pkg && path.dirname(pkg.dir);
}

export interface RootOptions {
  /** $(WORKSPACE) from the environment or a setting. */
  workspace?: string;
  /** PACKAGES_PATH entries. */
  packagesPath?: string[];
  /** Folders open in the editor. */
  workspaceFolders?: string[];
}

/** Where root-relative paths are looked up, in BaseTools' order: WORKSPACE, PACKAGES_PATH, then ours. */
export function searchRoots(
  documentPath: string,
  opts: RootOptions,
  fsView: FileSystemView = nodeFileSystem,
): string[] {
  const roots = [
    opts.workspace,
    ...(opts.packagesPath ?? []),
    packageRootOf(documentPath, fsView),
    ...(opts.workspaceFolders ?? []),
  ].filter((r): r is string => typeof r === 'string' && r.length > 0);
  return [...new Set(roots.map((r) => path.resolve(r)))];
}

export interface ResolveOptions {
  documentPath: string;
  roots: string[];
  macros: ReadonlyMap<string, string>;
  fs?: FileSystemView;
  /**
   * Packages known by name whose folder may be named differently (hv-driver/ holds HvPkg.dec and is
   * linked into the EDK2 workspace as HvPkg/): `HvPkg/HvDxe.inf` is also tried as `<dir>/HvDxe.inf`.
   */
  packages?: PackageInfo[];
}

/** Every place the path may be, best first; empty when a macro is unknown. */
export function candidatePaths(ref: Pick<PathReference, 'text' | 'context'>, opts: ResolveOptions): string[] {
  const expanded = expandMacros(ref.text, opts.macros).replace(/\\/g, '/');
  if (expanded.includes('$(')) return [];
  if (path.isAbsolute(expanded)) return [path.normalize(expanded)];
  const here = path.dirname(opts.documentPath);
  const fromRoots = opts.roots.map((r) => path.join(r, expanded));
  const [first, ...rest] = expanded.split('/');
  for (const pkg of opts.packages ?? []) {
    if (pkg.name === first && rest.length) fromRoots.push(path.join(pkg.dir, ...rest));
  }
  let list: string[];
  if (ref.context === 'source') list = [path.join(here, expanded)];
  else if (ref.context === 'include') list = [path.join(here, expanded), ...fromRoots];
  else list = [...fromRoots, path.join(here, expanded)];
  return [...new Set(list)];
}

/** The first candidate that exists, or undefined. */
export function resolvePath(
  ref: Pick<PathReference, 'text' | 'context'>,
  opts: ResolveOptions,
): string | undefined {
  const fsView = opts.fs ?? nodeFileSystem;
  return candidatePaths(ref, opts).find((p) => fsView.exists(p));
}
