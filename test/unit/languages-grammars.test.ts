import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import { decodeEdk2Text, splitLines } from '../../extension/src/languages/edk2/text';
import {
  REPO_ROOT,
  contributions,
  loadGrammar,
  scopeForFile,
  scopesAt,
  tokenizeLines,
} from '../grammars/tokenizer';

interface RawRule {
  [key: string]: unknown;
}

/** Every object in a grammar, with its JSON path, so static checks can name what is wrong. */
function* walk(node: unknown, at: string): Generator<[RawRule, string]> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* walk(node[i], `${at}[${i}]`);
  } else if (node && typeof node === 'object') {
    yield [node as RawRule, at];
    for (const [k, v] of Object.entries(node)) yield* walk(v, `${at}.${k}`);
  }
}

describe('grammars: static checks and decoding', () => {
  const c = contributions();
  const raw = new Map(
    c.grammars.map((g) => [g.scopeName, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, g.path), 'utf8'))]),
  );

  it('contributes a grammar and a configuration for every language, with the agreed ids and scopes', () => {
    const ids = c.languages.map((l) => l.id).sort();
    assert.deepStrictEqual(ids, ['edk2-dec', 'edk2-dsc', 'edk2-fdf', 'edk2-inf', 'edk2-uni', 'uefi-hv-log']);
    assert.strictEqual(scopeForFile('HvPkg.dsc'), 'source.edk2.dsc');
    assert.strictEqual(scopeForFile('MdeLibs.dsc.inc'), 'source.edk2.dsc');
    assert.strictEqual(scopeForFile('run.hvlog'), 'text.log.uefi-hv');
    assert.strictEqual(scopeForFile('HvDxe.uni'), 'source.edk2.uni');
    for (const l of JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).contributes
      .languages) {
      assert.ok(fs.existsSync(path.join(REPO_ROOT, l.configuration)), `${l.id}: ${l.configuration}`);
    }
    for (const [scope, g] of raw) assert.strictEqual(g.scopeName, scope);
  });

  it('every regular expression of the language configurations compiles in JavaScript, as VS Code needs', () => {
    const problems: string[] = [];
    for (const l of JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).contributes
      .languages) {
      const conf = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, l.configuration), 'utf8'));
      const patterns = [
        conf.wordPattern,
        conf.folding?.markers?.start,
        conf.folding?.markers?.end,
        conf.indentationRules?.increaseIndentPattern,
        conf.indentationRules?.decreaseIndentPattern,
      ].filter((p): p is string => typeof p === 'string');
      for (const p of patterns) {
        try {
          new RegExp(p, 'u');
        } catch (e) {
          problems.push(`${l.configuration}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    assert.deepStrictEqual(problems, []);
    const edk2 = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'syntaxes/edk2.language-configuration.json'), 'utf8'),
    );
    assert.match('  !endif', new RegExp(edk2.indentationRules.decreaseIndentPattern));
    assert.match('[Components.X64]', new RegExp(edk2.indentationRules.increaseIndentPattern));
    assert.match('!ifdef FOO', new RegExp(edk2.folding.markers.start));
  });

  it('every include points at an existing rule, in this grammar or another contributed one', () => {
    const problems: string[] = [];
    for (const [scope, g] of raw) {
      for (const [rule, at] of walk(g, scope)) {
        const inc = rule.include;
        if (typeof inc !== 'string' || inc === '$self' || inc === '$base') continue;
        const [target, name] = inc.startsWith('#') ? [scope, inc.slice(1)] : inc.split('#');
        const targetGrammar = raw.get(target);
        if (!targetGrammar) problems.push(`${at}: unknown grammar ${target}`);
        else if (name && !targetGrammar.repository?.[name]) problems.push(`${at}: no rule ${inc}`);
      }
    }
    assert.deepStrictEqual(problems, []);
  });

  it('every regular expression compiles in Oniguruma, also in rules the fixtures never reach', async () => {
    const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
    await oniguruma
      .loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
      .catch(() => {
        // already loaded by another test in this process
      });
    const problems: string[] = [];
    let count = 0;
    for (const [scope, g] of raw) {
      for (const [rule, at] of walk(g, scope)) {
        for (const key of ['match', 'begin', 'end', 'while']) {
          const rx = rule[key];
          if (typeof rx !== 'string') continue;
          count++;
          try {
            new oniguruma.OnigScanner([rx]).dispose();
          } catch (e) {
            problems.push(`${at}.${key}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
    }
    assert.deepStrictEqual(problems, []);
    assert.ok(count > 150, `only ${count} expressions found`);
  });

  it('names every scope in its language family (.edk2 / .uefi-hv)', () => {
    const problems: string[] = [];
    for (const [scope, g] of raw) {
      const suffix = scope.startsWith('text.log.uefi-hv') ? '.uefi-hv' : '.edk2';
      for (const [rule, at] of walk(g, scope)) {
        if (at === scope) continue; // the grammar's display name
        for (const key of ['name', 'contentName']) {
          const names = rule[key];
          if (typeof names !== 'string') continue;
          for (const n of names.split(/\s+/)) if (!n.endsWith(suffix)) problems.push(`${at}.${key}: ${n}`);
        }
      }
    }
    assert.deepStrictEqual(problems, []);
  });

  it('tokenizes a UTF-16LE .uni file once decoded, as the editor does', async () => {
    const text = '// strings\r\n#langdef en-US "English"\r\n#string STR_X #language en-US "Grüße \\n"\r\n';
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const lines = splitLines(decodeEdk2Text(bytes));
    const tokens = tokenizeLines(await loadGrammar('source.edk2.uni'), lines);
    assert.ok(scopesAt(tokens[1], 0).includes('keyword.control.directive.langdef.edk2'));
    assert.ok(scopesAt(tokens[2], 8).includes('entity.name.constant.string-id.edk2'));
    const escape = lines[2].indexOf('\\n');
    assert.ok(scopesAt(tokens[2], escape).includes('constant.character.escape.edk2'));
    assert.ok(scopesAt(tokens[2], escape - 2).includes('string.quoted.double.edk2'));
  });
});
