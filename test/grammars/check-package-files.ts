// Exercises the grammars and the outline/definition parsers on our own EDK2 package files (hv-driver):
// no token may be scoped invalid.*, every EDK2 file must outline into sections, every .inf [Sources] entry
// must resolve next to the .inf, and every .dsc/.fdf path into one of our packages must resolve.
// Paths into packages that are not in the repository (MdePkg...) are counted, not checked.
// Usage: node out/test/grammars/check-package-files.js [folder...]   (default: hv-driver)
import * as fs from 'fs';
import * as path from 'path';
import {
  collectMacros,
  looksLikePath,
  packageOf,
  resolvePath,
  searchRoots,
} from '../../extension/src/languages/edk2/paths';
import { fileKindOf, parseSections, sectionType } from '../../extension/src/languages/edk2/sections';
import { documentSymbols } from '../../extension/src/languages/edk2/symbols';
import {
  decodeEdk2Text,
  splitFields,
  splitLines,
  stripComment,
} from '../../extension/src/languages/edk2/text';
import { REPO_ROOT, createRegistry, loadGrammar, scopeForFile, tokenizeLines } from './tokenizer';

const EDK2_FILE = /\.(inf|dec|dsc|fdf|uni)(\.inc)?$/i;

function findFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory())
      return e.name === 'build' || e.name === 'Build' || e.name.startsWith('.') ? [] : findFiles(full);
    return EDK2_FILE.test(e.name) ? [full] : [];
  });
}

interface Tally {
  lines: number;
  sections: number;
  resolved: number;
  foreign: number;
  problems: string[];
}

/** Paths of a file that Go to Definition should resolve: [Sources] in an .inf, components/instances/INFs elsewhere. */
function pathsToCheck(
  lines: string[],
  kind: string,
): { line: number; text: string; context: 'source' | 'component' }[] {
  const out: { line: number; text: string; context: 'source' | 'component' }[] = [];
  const sections = parseSections(lines);
  for (const s of sections) {
    const type = sectionType(s);
    for (let i = s.line + 1; i <= s.endLine; i++) {
      const code = stripComment(lines[i]).trim();
      if (code === '' || code.startsWith('!') || code.startsWith('<') || code.startsWith('}')) continue;
      if (kind === 'inf' && type === 'SOURCES')
        out.push({ line: i, text: splitFields(code)[0], context: 'source' });
      if (kind === 'dsc' && (type === 'COMPONENTS' || type === 'LIBRARYCLASSES')) {
        const fields = splitFields(code.replace(/\s*\{$/, ''));
        const p = fields.length > 1 ? fields[1] : fields[0];
        if (looksLikePath(p)) out.push({ line: i, text: p, context: 'component' });
      }
      const inf = kind === 'fdf' ? /^INF\b.*\s(\S+\.inf)$/i.exec(code) : null;
      if (inf) out.push({ line: i, text: inf[1], context: 'component' });
    }
  }
  return out;
}

async function checkFile(file: string, tally: Tally): Promise<void> {
  const rel = path.relative(REPO_ROOT, file);
  const lines = splitLines(decodeEdk2Text(fs.readFileSync(file)));
  tally.lines += lines.length;
  const scope = scopeForFile(file);
  if (!scope) {
    tally.problems.push(`${rel}: no grammar for this file`);
    return;
  }
  const tokens = tokenizeLines(await loadGrammar(scope, registry), lines);
  for (const lt of tokens) {
    for (const t of lt.tokens) {
      const bad = t.scopes.find((s) => s.startsWith('invalid.'));
      if (bad)
        tally.problems.push(
          `${rel}:${lt.line + 1}:${t.startIndex + 1}: ${bad}: "${lt.text.slice(t.startIndex, t.endIndex)}"`,
        );
    }
  }
  const kind = fileKindOf(file);
  if (!kind) return; // .uni: grammar only
  const symbols = documentSymbols(lines, kind);
  if (symbols.length === 0) tally.problems.push(`${rel}: no section in the outline`);
  tally.sections += symbols.length;

  const roots = searchRoots(file, { workspaceFolders: [REPO_ROOT] });
  const macros = collectMacros(lines, kind, new Map([['WORKSPACE', roots[0] ?? REPO_ROOT]]));
  const packages = [packageOf(file)].filter((p) => p !== undefined);
  for (const ref of pathsToCheck(lines, kind)) {
    const target = resolvePath(ref, { documentPath: file, roots, macros, packages });
    if (target) {
      tally.resolved++;
      continue;
    }
    const firstSegment = ref.text.split(/[/\\]/)[0];
    const ours =
      ref.context === 'source' ||
      packages.some((p) => p.name === firstSegment) ||
      roots.some((r) => fs.existsSync(path.join(r, firstSegment)));
    if (ours) tally.problems.push(`${rel}:${ref.line + 1}: ${ref.text} does not resolve`);
    else tally.foreign++;
  }
}

const registry = createRegistry();

async function main(): Promise<void> {
  const folders = process.argv.length > 2 ? process.argv.slice(2) : ['hv-driver'];
  const files = folders.flatMap((f) => findFiles(path.resolve(REPO_ROOT, f))).sort();
  const tally: Tally = { lines: 0, sections: 0, resolved: 0, foreign: 0, problems: [] };
  for (const f of files) await checkFile(f, tally);
  for (const p of tally.problems) console.log(p);
  console.log(
    `package files in ${folders.join(', ')}: ${files.length} checked (${tally.lines} lines, ${tally.sections} sections), ` +
      `${tally.resolved} paths resolved, ${tally.foreign} into packages outside the repository not checked, ` +
      `${tally.problems.length} problems` +
      (files.length === 0 ? ' (no .inf/.dec/.dsc/.fdf/.uni there yet)' : ''),
  );
  if (tally.problems.length) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(`check-package-files: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
