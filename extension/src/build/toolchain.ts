// Finds the tools a build needs and explains, one line per missing thing, how to get each.
// Everything that touches the machine (PATH, the file system) is injected so the checks are
// testable with a made-up machine.
import * as fs from 'fs';
import * as path from 'path';
import { Edk2Tag } from './result';

/** The parts of the machine the checks look at. */
export interface Machine {
  /** The PATH to search (a ':'-separated list). */
  pathEnv: string;
  isExecutable(file: string): boolean;
  isFile(file: string): boolean;
  isDirectory(dir: string): boolean;
}

export function realMachine(pathEnv = process.env.PATH ?? ''): Machine {
  return {
    pathEnv,
    isExecutable: (file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
    isFile: (file) => {
      try {
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
    isDirectory: (dir) => {
      try {
        return fs.statSync(dir).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

/** Absolute path of an executable on the machine's PATH, or undefined. */
export function findOnPath(name: string, machine: Machine): string | undefined {
  for (const dir of machine.pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (machine.isExecutable(candidate)) return candidate;
  }
  return undefined;
}

interface ToolRequirement {
  name: string;
  /** How to get it on Debian (the platform CI and the team use). */
  install: string;
}

const CLANG_SET = 'apt-get install clang lld llvm nasm';

/** Standalone build: clang, lld, llvm-objcopy, nasm and make. */
export const STANDALONE_TOOLS: readonly ToolRequirement[] = [
  { name: 'clang', install: CLANG_SET },
  { name: 'ld.lld', install: CLANG_SET },
  { name: 'llvm-objcopy', install: CLANG_SET },
  { name: 'nasm', install: 'apt-get install nasm' },
  { name: 'make', install: 'apt-get install make' },
];

const GCC_SET = 'apt-get install build-essential uuid-dev python3 nasm';

/** EDK2 `build` with one toolchain tag (BaseTools runs on python3; GenFw was built with cc). */
export function edk2Tools(tag: Edk2Tag): ToolRequirement[] {
  const common: ToolRequirement[] = [
    { name: 'python3', install: GCC_SET },
    { name: 'make', install: GCC_SET },
    { name: 'nasm', install: GCC_SET },
  ];
  if (tag === 'CLANGDWARF') {
    return [
      { name: 'clang', install: CLANG_SET },
      { name: 'ld.lld', install: CLANG_SET },
      { name: 'llvm-ar', install: CLANG_SET },
      { name: 'llvm-objcopy', install: CLANG_SET },
      ...common,
    ];
  }
  return [{ name: 'gcc', install: GCC_SET }, { name: 'objcopy', install: GCC_SET }, ...common];
}

/** One line per missing tool: "clang not found: apt-get install clang lld llvm nasm". */
export function missingTools(required: readonly ToolRequirement[], machine: Machine): string[] {
  return required
    .filter((tool) => findOnPath(tool.name, machine) === undefined)
    .map((tool) => `${tool.name} not found: ${tool.install}`);
}

/** Paths inside an EDK2 tree that the build relies on (relative to the tree). */
export const EDK2_LAYOUT = {
  setup: 'edksetup.sh',
  binWrappers: 'BaseTools/BinWrappers/PosixLike',
  genFw: 'BaseTools/Source/C/bin/GenFw',
  mdePkg: 'MdePkg/MdePkg.dec',
  /** Listed in MdePkg.dec; a submodule that is absent from plain copies. */
  mipiSysTInclude: 'MdePkg/Library/MipiSysTLib/mipisyst/library/include',
} as const;

/** What is wrong with an EDK2 tree, one line each (empty when it is ready to build). */
export function edk2TreeProblems(tree: string, machine: Machine): string[] {
  if (!machine.isDirectory(tree)) return [`EDK2 tree not found: ${tree} is not a directory`];
  const at = (rel: string) => path.join(tree, rel);
  if (!machine.isFile(at(EDK2_LAYOUT.setup))) {
    return [`not an EDK2 tree: ${at(EDK2_LAYOUT.setup)} is missing`];
  }
  const problems: string[] = [];
  if (!machine.isDirectory(at(EDK2_LAYOUT.binWrappers))) {
    problems.push(`EDK2 BaseTools missing: ${at(EDK2_LAYOUT.binWrappers)} not found`);
  }
  if (!machine.isFile(at(EDK2_LAYOUT.mdePkg))) {
    problems.push(`EDK2 MdePkg missing: ${at(EDK2_LAYOUT.mdePkg)} not found`);
  }
  if (!machine.isExecutable(at(EDK2_LAYOUT.genFw))) {
    problems.push(`EDK2 GenFw not built: make -C ${at('BaseTools/Source/C')} GenFw`);
  }
  if (!machine.isDirectory(at(EDK2_LAYOUT.mipiSysTInclude))) {
    problems.push(
      `EDK2 MipiSysT submodule absent: mkdir -p ${at(EDK2_LAYOUT.mipiSysTInclude)} (or git submodule update --init)`,
    );
  }
  return problems;
}

/** The EDK2 tree to use: `--edk2 DIR`, else $WORKSPACE, else the first $PACKAGES_PATH entry that
 * holds edksetup.sh. Undefined when none is given. */
export function locateEdk2Tree(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  machine: Machine,
): string | undefined {
  if (explicit) return path.resolve(explicit);
  const candidates = [env.WORKSPACE, ...(env.PACKAGES_PATH ?? '').split(path.delimiter)];
  for (const dir of candidates) {
    if (dir && machine.isFile(path.join(dir, EDK2_LAYOUT.setup))) return path.resolve(dir);
  }
  return undefined;
}

export const NO_EDK2_TREE =
  'no EDK2 tree: pass --edk2 DIR or set WORKSPACE or PACKAGES_PATH to a tree with edksetup.sh ' +
  '(git clone https://github.com/tianocore/edk2)';
