// Loads the grammars the extension contributes (package.json) into vscode-textmate with the Oniguruma WASM
// engine, the same pair VS Code uses, and tokenizes text with them. Shared by the grammar checks and the
// tokenizer benchmark.
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import * as tm from 'vscode-textmate';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

interface GrammarContribution {
  language?: string;
  scopeName: string;
  path: string;
}
interface LanguageContribution {
  id: string;
  extensions?: string[];
}

export interface Contributions {
  grammars: GrammarContribution[];
  languages: LanguageContribution[];
}

export function contributions(root = REPO_ROOT): Contributions {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return { grammars: pkg.contributes.grammars, languages: pkg.contributes.languages };
}

/** The scope name of the grammar VS Code would pick for a file name, by extension. */
export function scopeForFile(fileName: string, c: Contributions = contributions()): string | undefined {
  const lower = fileName.toLowerCase();
  const lang = c.languages
    .filter((l) => (l.extensions ?? []).some((e) => lower.endsWith(e)))
    .sort((a, b) => longest(b, lower) - longest(a, lower))[0];
  return lang && c.grammars.find((g) => g.language === lang.id)?.scopeName;
}

function longest(l: LanguageContribution, name: string): number {
  return Math.max(...(l.extensions ?? []).filter((e) => name.endsWith(e)).map((e) => e.length));
}

let onigLib: Promise<tm.IOnigLib> | undefined;
function loadOnig(): Promise<tm.IOnigLib> {
  onigLib ??= (async () => {
    const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return {
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    };
  })();
  return onigLib;
}

/** A fresh registry over the contributed grammars (fresh = no compiled-rule cache shared with others). */
export function createRegistry(root = REPO_ROOT): tm.Registry {
  const c = contributions(root);
  return new tm.Registry({
    onigLib: loadOnig(),
    loadGrammar: async (scopeName) => {
      const g = c.grammars.find((x) => x.scopeName === scopeName);
      if (!g) return null;
      const file = path.join(root, g.path);
      return tm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
}

export async function loadGrammar(scopeName: string, registry = createRegistry()): Promise<tm.IGrammar> {
  const g = await registry.loadGrammar(scopeName);
  if (!g) throw new Error(`grammar ${scopeName} not found in package.json contributes.grammars`);
  return g;
}

export interface LineTokens {
  line: number;
  text: string;
  tokens: { startIndex: number; endIndex: number; scopes: string[] }[];
}

export function tokenizeLines(grammar: tm.IGrammar, lines: string[]): LineTokens[] {
  let state = tm.INITIAL;
  return lines.map((text, line) => {
    const r = grammar.tokenizeLine(text, state);
    state = r.ruleStack;
    return { line, text, tokens: r.tokens };
  });
}

/** Scopes of the token covering `column` on a tokenized line. */
export function scopesAt(lt: LineTokens, column: number): string[] {
  return lt.tokens.find((t) => t.startIndex <= column && column < t.endIndex)?.scopes ?? [];
}
