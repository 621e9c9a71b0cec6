// Prepares an EDK2 tree the driver's EDK2 build can use, for tests and benchmarks:
// a copy of the team's shared/edk2 in the git-ignored tools/edk2, with the MipiSysT include
// folder MdePkg.dec lists and BaseTools' GenFw built (recipe: shared/edk2.md). Cached: a tree that
// is already prepared is used as is (a few stat calls).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EDK2_LAYOUT, edk2TreeProblems, realMachine } from '../../extension/src/build/toolchain';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DRIVER_DIR = path.join(REPO_ROOT, 'hv-driver');

/** The pristine EDK2 subset: env HV_EDK2_SOURCE, else <repo>/../shared/edk2. */
export function edk2Source(): string {
  return path.resolve(process.env.HV_EDK2_SOURCE ?? path.join(REPO_ROOT, '..', 'shared', 'edk2'));
}

export function preparedEdk2Dir(): string {
  return path.join(REPO_ROOT, 'tools', 'edk2');
}

/** Returns the prepared tree, preparing it first if needed. Throws with one clear line when the
 * source is missing. */
export function prepareEdk2(log: (line: string) => void = () => undefined): string {
  const dir = preparedEdk2Dir();
  const machine = realMachine();
  if (edk2TreeProblems(dir, machine).length === 0) return dir;
  const source = edk2Source();
  if (!machine.isFile(path.join(source, EDK2_LAYOUT.setup))) {
    throw new Error(`EDK2 source not found: ${source} has no edksetup.sh (set HV_EDK2_SOURCE)`);
  }
  if (!fs.existsSync(path.join(dir, EDK2_LAYOUT.setup))) {
    log(`copying ${source} -> ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.cpSync(source, dir, { recursive: true, preserveTimestamps: true });
  }
  fs.mkdirSync(path.join(dir, EDK2_LAYOUT.mipiSysTInclude), { recursive: true });
  if (!machine.isExecutable(path.join(dir, EDK2_LAYOUT.genFw))) {
    log('building BaseTools GenFw');
    execFileSync('make', ['-C', path.join(dir, 'BaseTools', 'Source', 'C'), 'GenFw'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  const problems = edk2TreeProblems(dir, machine);
  if (problems.length) throw new Error(problems.join('\n'));
  return dir;
}
