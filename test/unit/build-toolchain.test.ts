import * as assert from 'assert';
import * as path from 'path';
import {
  EDK2_LAYOUT,
  edk2Tools,
  edk2TreeProblems,
  findOnPath,
  locateEdk2Tree,
  Machine,
  missingTools,
  STANDALONE_TOOLS,
} from '../../extension/src/build/toolchain';

/** A made-up machine: the given executables, files and directories exist, nothing else. */
function machine(pathEnv: string, executables: string[], files: string[] = [], dirs: string[] = []): Machine {
  const exe = new Set(executables);
  const f = new Set([...files, ...executables]);
  const d = new Set(dirs);
  return {
    pathEnv,
    isExecutable: (p) => exe.has(p),
    isFile: (p) => f.has(p),
    isDirectory: (p) => d.has(p),
  };
}

const ALL_STANDALONE = ['clang', 'ld.lld', 'llvm-objcopy', 'nasm', 'make'].map((t) => `/usr/bin/${t}`);

describe('uefi-hv build: tool detection', () => {
  it('finds a tool in the first PATH entry that has it', () => {
    const m = machine('/opt/llvm/bin:/usr/bin', ['/usr/bin/clang', '/opt/llvm/bin/clang']);
    assert.strictEqual(findOnPath('clang', m), '/opt/llvm/bin/clang');
    assert.strictEqual(findOnPath('gcc', m), undefined);
  });

  it('ignores empty PATH entries (no tool is found in the current directory by accident)', () => {
    const m = machine(':/usr/bin:', ['clang']);
    assert.strictEqual(findOnPath('clang', m), undefined);
  });

  it('a complete standalone machine lacks nothing', () => {
    assert.deepStrictEqual(missingTools(STANDALONE_TOOLS, machine('/usr/bin', ALL_STANDALONE)), []);
  });

  it('each missing tool is one line naming it and the apt-get line', () => {
    const m = machine(
      '/usr/bin',
      ALL_STANDALONE.filter((t) => !t.endsWith('/clang') && !t.endsWith('/nasm')),
    );
    assert.deepStrictEqual(missingTools(STANDALONE_TOOLS, m), [
      'clang not found: apt-get install clang lld llvm nasm',
      'nasm not found: apt-get install nasm',
    ]);
  });

  it('EDK2 tags need their own compilers', () => {
    const gccOnly = machine(
      '/usr/bin',
      ['gcc', 'objcopy', 'python3', 'make', 'nasm'].map((t) => `/usr/bin/${t}`),
    );
    assert.deepStrictEqual(missingTools(edk2Tools('GCC'), gccOnly), []);
    assert.deepStrictEqual(missingTools(edk2Tools('GCCNOLTO'), gccOnly), []);
    assert.deepStrictEqual(missingTools(edk2Tools('CLANGDWARF'), gccOnly), [
      'clang not found: apt-get install clang lld llvm nasm',
      'ld.lld not found: apt-get install clang lld llvm nasm',
      'llvm-ar not found: apt-get install clang lld llvm nasm',
      'llvm-objcopy not found: apt-get install clang lld llvm nasm',
    ]);
  });
});

describe('uefi-hv build: EDK2 tree checks', () => {
  const tree = '/src/edk2';
  const at = (rel: string) => path.join(tree, rel);
  const ready = () =>
    machine(
      '',
      [at(EDK2_LAYOUT.genFw)],
      [at(EDK2_LAYOUT.setup), at(EDK2_LAYOUT.mdePkg)],
      [tree, at(EDK2_LAYOUT.binWrappers), at(EDK2_LAYOUT.mipiSysTInclude)],
    );

  it('a prepared tree has no problems', () => {
    assert.deepStrictEqual(edk2TreeProblems(tree, ready()), []);
  });

  it('a missing directory is one line', () => {
    assert.deepStrictEqual(edk2TreeProblems('/nowhere', ready()), [
      'EDK2 tree not found: /nowhere is not a directory',
    ]);
  });

  it('a directory without edksetup.sh is not an EDK2 tree (one line, nothing else checked)', () => {
    const m = machine('', [], [], ['/home/me/project']);
    assert.deepStrictEqual(edk2TreeProblems('/home/me/project', m), [
      'not an EDK2 tree: /home/me/project/edksetup.sh is missing',
    ]);
  });

  it('a fresh clone: GenFw not built and the MipiSysT submodule absent, each with its fix', () => {
    const m = machine(
      '',
      [],
      [at(EDK2_LAYOUT.setup), at(EDK2_LAYOUT.mdePkg)],
      [tree, at(EDK2_LAYOUT.binWrappers)],
    );
    assert.deepStrictEqual(edk2TreeProblems(tree, m), [
      'EDK2 GenFw not built: make -C /src/edk2/BaseTools/Source/C GenFw',
      'EDK2 MipiSysT submodule absent: mkdir -p /src/edk2/MdePkg/Library/MipiSysTLib/mipisyst/library/include (or git submodule update --init)',
    ]);
  });

  it('a tree without BaseTools or MdePkg says which', () => {
    const m = machine('', [], [at(EDK2_LAYOUT.setup)], [tree, at(EDK2_LAYOUT.mipiSysTInclude)]);
    const problems = edk2TreeProblems(tree, m);
    assert.ok(
      problems.includes('EDK2 BaseTools missing: /src/edk2/BaseTools/BinWrappers/PosixLike not found'),
    );
    assert.ok(problems.includes('EDK2 MdePkg missing: /src/edk2/MdePkg/MdePkg.dec not found'));
  });
});

describe('uefi-hv build: locating the EDK2 tree', () => {
  const m = machine('', [], ['/ws/edk2/edksetup.sh', '/ws2/edksetup.sh'], []);

  it('--edk2 wins over the environment (even when it is not a tree: the check reports it)', () => {
    assert.strictEqual(locateEdk2Tree('/elsewhere', { WORKSPACE: '/ws2' }, m), '/elsewhere');
  });

  it('WORKSPACE when it is the tree', () => {
    assert.strictEqual(locateEdk2Tree(undefined, { WORKSPACE: '/ws2' }, m), '/ws2');
  });

  it('else the PACKAGES_PATH entry that holds edksetup.sh', () => {
    const env = { WORKSPACE: '/ws', PACKAGES_PATH: '/ws/platforms:/ws/edk2:/ws/other' };
    assert.strictEqual(locateEdk2Tree(undefined, env, m), '/ws/edk2');
  });

  it('undefined when nothing names a tree', () => {
    assert.strictEqual(locateEdk2Tree(undefined, { WORKSPACE: '/ws' }, m), undefined);
    assert.strictEqual(locateEdk2Tree(undefined, {}, m), undefined);
  });
});
