// The problem matchers the manifest contributes, run over real build output (clang, gcc, nasm,
// GNU ld and ld.lld produced on this machine by the standalone build; the EDK2 lines recorded in
// shared/edk2.md). A small re-implementation of VS Code's matching rules (single- and multi-line
// patterns, severity words, kind "file", autoDetect file locations) applies them exactly as given
// in package.json, so a regex edit there is what these tests check.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');
const LOGS = path.join(ROOT, 'test/unit/fixtures/build-logs');
const WS = '/ws';

interface Pattern {
  regexp: string;
  kind?: 'file' | 'location';
  file?: number;
  line?: number;
  column?: number;
  severity?: number;
  code?: number;
  message?: number;
}
interface Matcher {
  name: string;
  owner: string;
  source?: string;
  severity?: string;
  fileLocation: [string, string];
  pattern: Pattern | Pattern[];
}
interface Problem {
  matcher: string;
  file: string;
  line: number; // 1 for file-level problems
  column?: number;
  severity: string;
  code?: string;
  message: string;
  kind: 'file' | 'location';
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const matchers: Matcher[] = manifest.contributes.problemMatchers;

function resolveFile(m: Matcher, file: string): string {
  const [mode, dir] = m.fileLocation;
  assert.strictEqual(mode, 'autoDetect');
  return path.isAbsolute(file) ? file : path.join(dir.replace('${workspaceFolder}', WS), file);
}

// VS Code: severity from the group when it is a known word, else the matcher's, else error.
function severityOf(m: Matcher, word: string | undefined): string {
  const w = word?.toLowerCase();
  if (w === 'error' || w === 'warning' || w === 'info') return w;
  return m.severity ?? 'error';
}

function run(m: Matcher, lines: string[]): { problem: Problem; at: number }[] {
  const patterns = Array.isArray(m.pattern) ? m.pattern : [m.pattern];
  const out: { problem: Problem; at: number }[] = [];
  for (let i = 0; i + patterns.length <= lines.length; i++) {
    const data: Record<string, string> = {};
    // VS Code takes the kind from the first pattern only (and rejects it on the others).
    const kind: 'file' | 'location' = patterns[0].kind ?? 'location';
    let ok = true;
    for (let k = 0; k < patterns.length && ok; k++) {
      const p = patterns[k];
      const r = new RegExp(p.regexp).exec(lines[i + k]);
      if (!r) {
        ok = false;
        break;
      }
      for (const f of ['file', 'line', 'column', 'severity', 'code', 'message'] as const) {
        const g = p[f];
        if (g !== undefined && r[g] !== undefined)
          data[f] = f === 'message' && data[f] ? `${data[f]}\n${r[g]}` : r[g];
      }
    }
    if (!ok || !data.file || !data.message) continue;
    if (kind === 'location') assert.ok(data.line, `${m.name}: a location problem without a line`);
    out.push({
      at: i,
      problem: {
        matcher: m.name,
        file: resolveFile(m, data.file),
        line: data.line ? Number(data.line) : 1,
        column: data.column ? Number(data.column) : undefined,
        severity: severityOf(m, data.severity),
        code: data.code,
        message: data.message,
        kind,
      },
    });
  }
  return out;
}

function problemsIn(log: string): Problem[] {
  const lines = fs.readFileSync(path.join(LOGS, log), 'utf8').split('\n');
  const all = matchers.flatMap((m) => run(m, lines));
  // One diagnostic line must never be reported twice by two matchers.
  const firstLines = new Map<number, string>();
  for (const { problem, at } of all) {
    const other = firstLines.get(at);
    assert.ok(
      !other,
      `line ${at + 1} of ${log} matched by both ${other} and ${problem.matcher}: ${lines[at]}`,
    );
    firstLines.set(at, problem.matcher);
  }
  return all.sort((a, b) => a.at - b.at).map((x) => x.problem);
}

type Expect = [file: string, line: number, severity: string, message: RegExp, column?: number];
function check(log: string, expected: Expect[]): Problem[] {
  const got = problemsIn(log);
  assert.deepStrictEqual(
    got.map((p) => `${p.file}:${p.line}:${p.severity}`),
    expected.map(([f, l, s]) => `${f}:${l}:${s}`),
    `${log}: ${JSON.stringify(got, null, 1)}`,
  );
  got.forEach((p, i) => {
    assert.match(p.message, expected[i][3]);
    if (expected[i][4] !== undefined) assert.strictEqual(p.column, expected[i][4]);
  });
  return got;
}

const DRV = `${WS}/hv-driver`;
const P = '/home/dev/pkgs/HvTestPkg';

describe('problem matchers (package.json) on real build output', () => {
  it('every matcher is named in the task provider list and owned by uefi-hv', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PROBLEM_MATCHERS } = require('../../extension/src/tasks/buildTask');
    assert.deepStrictEqual([...PROBLEM_MATCHERS].sort(), matchers.map((m) => `$${m.name}`).sort());
    for (const m of matchers) assert.strictEqual(m.owner, 'uefi-hv');
  });

  it('every pattern is valid for VS Code: kind only first, a file and a message, a line unless kind is file', () => {
    for (const m of matchers) {
      const ps = Array.isArray(m.pattern) ? m.pattern : [m.pattern];
      ps.slice(1).forEach((p) =>
        assert.strictEqual(p.kind, undefined, `${m.name}: kind after the first pattern`),
      );
      assert.ok(ps.some((p) => p.file !== undefined) && ps.some((p) => p.message !== undefined), m.name);
      if ((ps[0].kind ?? 'location') === 'location')
        assert.ok(
          ps.some((p) => p.line !== undefined),
          m.name,
        );
    }
  });

  it('clang compile errors (standalone, relative paths) land on their line and column', () => {
    check('clang-compile.log', [
      [`${DRV}/boot/status.c`, 33, 'error', /use of undeclared identifier 'UndefinedThing'/, 91],
      [`${DRV}/boot/status.c`, 34, 'error', /use of undeclared identifier/, 93],
    ]);
  });

  it('clang -Werror warnings are errors', () => {
    check('clang-werror.log', [
      [`${DRV}/boot/w.c`, 3, 'error', /unused variable 'unused_thing' \[-Werror,-Wunused-variable\]/, 9],
    ]);
  });

  it('gcc errors with curly quotes; notes and "In function" lines are not problems', () => {
    check('gcc-compile.log', [
      [`${DRV}/g.c`, 4, 'error', /‘UndefinedThing’ undeclared/, 12],
      [`${DRV}/g.c`, 3, 'error', /\[-Werror=unused-variable\]/, 9],
      [`${DRV}/g.c`, 5, 'error', /control reaches end/, 1],
    ]);
  });

  it('nasm errors and warnings (no column)', () => {
    const got = check('nasm.log', [
      [`${DRV}/boot/asm.nasm`, 5, 'error', /symbol `ecxx' not defined/],
      [`${DRV}/boot/asm.nasm`, 6, 'warning', /label alone on a line/],
      [`${DRV}/boot/asm.nasm`, 7, 'error', /hv_missing_asm_target/],
    ]);
    assert.ok(got.every((p) => p.column === undefined && p.matcher === 'uefi-hv-nasm'));
  });

  it('ld.lld (PE/COFF, standalone) undefined symbols point at the C and .nasm line', () => {
    check('lld-coff.log', [[`${DRV}/boot/unload.c`, 21, 'error', /undefined symbol: hv_missing_function/]]);
    check('lld-coff-nasm.log', [
      ['/tmp/hvx/boot/asm.nasm', 6, 'error', /undefined symbol: hv_missing_asm_target/],
    ]);
  });

  it('GNU ld undefined references (with a line)', () => {
    check('gnu-ld.log', [['/tmp/hvlogs/l.c', 4, 'error', /undefined reference to `missing'/]]);
  });

  it('EDK2 GCC compile error, then the F002 trailer names the module .inf', () => {
    const got = check('edk2-gcc-compile.log', [
      [`${P}/HvDxe/HvDxe.c`, 38, 'error', /‘UndefinedThing’ undeclared/, 20],
      [`${P}/HvDxe/HvDxe.inf`, 1, 'error', /Failed to build module/],
    ]);
    assert.strictEqual(got[1].kind, 'file');
    assert.strictEqual(got[1].code, 'F002');
  });

  it('EDK2 -Werror lines (gcc and clang)', () => {
    check('edk2-gcc-werror.log', [[`${P}/HvDxe/HvDxe.c`, 38, 'error', /\[-Werror=unused-variable\]/, 10]]);
    check('edk2-clang-werror.log', [
      [`${P}/HvDxe/HvDxe.c`, 38, 'error', /\[-Werror,-Wunused-variable\]/, 10],
    ]);
  });

  it('EDK2 nasm lines point at the original .nasm', () => {
    check('edk2-nasm.log', [
      [`${P}/HvDxe/X64/HvAsm.nasm`, 14, 'error', /ecxx/],
      [`${P}/HvDxe/X64/HvAsm.nasm`, 14, 'error', /instruction expected/],
      [`${P}/HvDxe/X64/HvAsm.nasm`, 19, 'warning', /byte data exceeds bounds/],
    ]);
  });

  it('EDK2 .inf errors with a line, and "(...)" ones as file-level problems, with their codes', () => {
    const got = check('edk2-inf.log', [
      [`${P}/HvDxe/HvDxe.inf`, 13, 'error', /Sourcez is not a valid section name/],
      [`${P}/HvDxe/HvDxe.inf`, 1, 'error', /MODULE_TYPE is not given/],
      [`${P}/HvDxe/HvDxe.inf`, 10, 'error', /No value specified/],
      [`${P}/HvDxe/HvDxe.inf`, 14, 'error', /File\/directory not found/],
    ]);
    assert.deepStrictEqual(
      got.map((p) => p.code),
      ['3FFF', '5000', '3000', '000E'],
    );
    assert.strictEqual(got[1].kind, 'file');
  });

  it('EDK2 .dsc errors', () => {
    check('edk2-dsc.log', [
      [`${P}/HvTestPkg.dsc`, 1, 'error', /Instance of library class \[UefiLib\] is not found/],
      [`${P}/HvTestPkg.dsc`, 25, 'error', /No library class or instance specified/],
      [`${P}/HvTestPkg.dsc`, 21, 'error', /File\/directory not found/],
      [`${P}/HvTestPkg.dsc`, 31, 'error', /PcdsFixedAtBuildz/],
    ]);
  });

  it('EDK2 links: GNU ld with a line, ld.lld with the parenthesised absolute path', () => {
    check('edk2-gnu-ld.log', [
      [`${P}/HvDxe/HvDxe.c`, 46, 'error', /undefined reference to `HvMissingFunction'/],
    ]);
    check('edk2-lld.log', [
      [`${P}/HvDxe/HvDxe.c`, 46, 'error', /undefined symbol: HvMissingFunction/],
      [`${P}/HvDxe/X64/HvAsm.nasm`, 18, 'error', /undefined symbol: HvMissingAsmTarget/],
    ]);
  });

  it('the noise of a successful EDK2 build is not a problem', () => {
    check('edk2-success-noise.log', []);
  });
});
