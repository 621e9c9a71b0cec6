// Real builds through the CLI, as a user or the extension's task runs them: the standalone build
// with Debian's clang/lld, and EDK2's `build` with the GCC and CLANGDWARF tags (on the prepared
// copy of shared/edk2, see test/support/edk2.ts). Checks the images (PE32+, subsystem, .reloc),
// that gdb reads our functions from the symbols file, and the one-line failures.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DRIVER_DIR, prepareEdk2, REPO_ROOT } from '../support/edk2';
import {
  IMAGE_FILE_MACHINE_AMD64,
  PE32_PLUS,
  readPe,
  SUBSYSTEM_EFI_APPLICATION,
  SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER,
} from '../support/pe';

const CLI = path.join(REPO_ROOT, 'out', 'extension', 'src', 'cli', 'main.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

function runBuild(args: string[], env: NodeJS.ProcessEnv = process.env): CliRun {
  const r = spawnSync(process.execPath, [CLI, 'build', ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trimEnd().split('\n') };
}

function describeFailure(run: CliRun): string {
  return `exit ${run.status}\n--- stderr (tail) ---\n${run.stderr.slice(-4000)}`;
}

/** The driver image the CLI names on its last stdout line, with the symbols and loader lines. */
function checkOutputs(run: CliRun) {
  assert.strictEqual(run.status, 0, describeFailure(run));
  const driver = run.lines[run.lines.length - 1];
  const symbols = run.lines.find((l) => l.startsWith('symbols: '))?.slice('symbols: '.length);
  const loader = run.lines.find((l) => l.startsWith('loader: '))?.slice('loader: '.length);
  assert.ok(path.isAbsolute(driver), `last stdout line is not an absolute path: ${driver}`);
  assert.ok(fs.existsSync(driver), `${driver} does not exist`);
  assert.ok(symbols && fs.existsSync(symbols), `symbols line missing or file absent: ${symbols}`);
  assert.ok(loader && fs.existsSync(loader), `loader line missing or file absent: ${loader}`);

  const pe = readPe(driver);
  assert.strictEqual(pe.magic, PE32_PLUS);
  assert.strictEqual(pe.machine, IMAGE_FILE_MACHINE_AMD64);
  assert.strictEqual(pe.subsystem, SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER);
  assert.strictEqual(pe.imageBase, 0n, 'link base 0: add-symbol-file -o <load base> is exact');
  assert.ok(
    pe.sections.some((s) => s.name === '.reloc'),
    `no .reloc in ${pe.sections.map((s) => s.name)}`,
  );
  assert.ok(pe.relocDirectory.size > 0, 'empty base relocation directory');
  assert.strictEqual(readPe(loader).subsystem, SUBSYSTEM_EFI_APPLICATION);
  return { driver, symbols, loader };
}

function gdbFunctions(symbols: string): string {
  const r = spawnSync('gdb', ['-nx', '-batch', '-ex', 'info functions hv_', symbols], { encoding: 'utf8' });
  if (r.error) throw new Error(`gdb not runnable (${r.error.message}): apt-get install gdb`);
  return r.stdout;
}

describe('uefi-hv build (real toolchains)', function () {
  const scratch: string[] = [];
  const tempDir = (tag: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uefi-hv-build-${tag}-`));
    scratch.push(dir);
    return dir;
  };
  after(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('standalone DEBUG: PE32+ driver (subsystem 11, .reloc), loader, DWARF that gdb reads', () => {
    const run = runBuild(['--target', 'DEBUG']);
    const { symbols } = checkOutputs(run);
    assert.strictEqual(symbols, path.join(DRIVER_DIR, 'build', 'DEBUG', 'HvDxe.debug'));
    const functions = gdbFunctions(symbols);
    for (const fn of ['hv_efi_main', 'hv_efi_unload', 'hv_log', 'hv_vformat', 'hv_run_on_each_cpu']) {
      assert.match(functions, new RegExp(`\\b${fn}\\(`), `gdb does not list ${fn}:\n${functions}`);
    }
    const line = spawnSync('gdb', ['-nx', '-batch', '-ex', 'info line hv_efi_main', symbols], {
      encoding: 'utf8',
    }).stdout;
    assert.match(line, new RegExp(`Line \\d+ of "${DRIVER_DIR}/boot/entry\\.c"`));
  });

  describe('EDK2', function () {
    let edk2: string;
    before(function () {
      edk2 = prepareEdk2((l) => console.log(`      (${l})`));
    });

    it('GCC DEBUG through the CLI: images and a .debug gdb reads', () => {
      const run = runBuild([
        '--toolchain',
        'edk2',
        '--edk2',
        edk2,
        '--edk2-tag',
        'GCC',
        '--target',
        'DEBUG',
        '--edk2-workspace',
        tempDir('gcc'),
      ]);
      const { symbols } = checkOutputs(run);
      assert.match(symbols, /DEBUG_GCC\/X64\/HvDxe\.debug$/);
      // LTO -Os: most of our functions are inlined into the entry point, but not all.
      assert.match(gdbFunctions(symbols), /\bhv_\w+\(/);
    });

    it('CLANGDWARF NOOPT through the CLI: every function of ours in the .debug', () => {
      const run = runBuild([
        '--edk2',
        edk2,
        '--edk2-tag=CLANGDWARF',
        '--target=NOOPT',
        '--edk2-workspace',
        tempDir('clang'),
      ]);
      const { symbols } = checkOutputs(run);
      assert.match(symbols, /NOOPT_CLANGDWARF\/X64\/HvDxe\.debug$/);
      const functions = gdbFunctions(symbols);
      // (--gc-sections drops what nothing calls yet, such as hv_alloc_pages before the VT-x core.)
      for (const fn of [
        'hv_efi_main',
        'hv_efi_unload',
        'hv_log',
        'hv_vformat',
        'hv_mp_init',
        'hv_memory_init',
      ]) {
        assert.match(functions, new RegExp(`\\b${fn}\\(`), `gdb does not list ${fn}`);
      }
    });

    it('EDK2 from WORKSPACE when --edk2 is not given', () => {
      // Only the lookup is exercised: a bad tag-independent failure would show; the build itself
      // is the previous tests'. An empty workspace dir without edksetup.sh means "no EDK2 tree".
      const env = { ...process.env, WORKSPACE: tempDir('no-tree'), PACKAGES_PATH: '' };
      const run = runBuild(['--toolchain', 'edk2'], env);
      assert.strictEqual(run.status, 1);
      assert.deepStrictEqual(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^uefi-hv build: no EDK2 tree: pass --edk2 DIR/);
      assert.strictEqual(run.stdout, '');
    });
  });

  it('a missing EDK2 directory: one clear line, exit 1, nothing on stdout', () => {
    const run = runBuild(['--toolchain', 'edk2', '--edk2', '/nonexistent/edk2']);
    assert.strictEqual(run.status, 1);
    assert.strictEqual(
      run.stderr,
      'uefi-hv build: EDK2 tree not found: /nonexistent/edk2 is not a directory\n',
    );
    assert.strictEqual(run.stdout, '');
  });

  it('no clang on PATH: one clear line naming it and the apt-get line', () => {
    // A PATH holding every other tool of the standalone build, so only clang is missing.
    const bin = tempDir('path');
    for (const tool of ['ld.lld', 'llvm-objcopy', 'nasm', 'make']) {
      const real = spawnSync('which', [tool], { encoding: 'utf8' }).stdout.trim();
      assert.ok(real, `${tool} is needed by this test`);
      fs.symlinkSync(real, path.join(bin, tool));
    }
    const run = runBuild([], { ...process.env, PATH: bin });
    assert.strictEqual(run.status, 1);
    assert.strictEqual(run.stderr, 'uefi-hv build: clang not found: apt-get install clang lld llvm nasm\n');
    assert.strictEqual(run.stdout, '');
  });

  it('bad options: usage error, exit 2', () => {
    const run = runBuild(['--target', 'FAST']);
    assert.strictEqual(run.status, 2);
    assert.match(run.stderr, /^uefi-hv build: --target FAST: expected one of DEBUG, RELEASE, NOOPT\nusage: /);
  });
});
