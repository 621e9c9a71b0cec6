// The standalone build: hv-driver/Makefile with Debian's clang/lld (no EDK2).
import * as fs from 'fs';
import * as path from 'path';
import { runStreaming } from './spawn';
import { BuildError, BuildResult, BuildTarget, OutputSink } from './result';
import { Machine, missingTools, realMachine, STANDALONE_TOOLS } from './toolchain';

export interface StandaloneOptions {
  /** The driver's folder (holds the Makefile). */
  driverDir: string;
  target: BuildTarget;
  sink: OutputSink;
  env?: NodeJS.ProcessEnv;
  /** Parallel jobs for make (the team's machines have 2 cores). */
  jobs?: number;
  machine?: Machine;
}

/** Where the Makefile puts its outputs. */
export function standaloneOutputs(driverDir: string, target: BuildTarget) {
  const dir = path.join(driverDir, 'build', target);
  return {
    driverEfi: path.join(dir, 'HvDxe.efi'),
    symbols: path.join(dir, 'HvDxe.debug'),
    loaderEfi: path.join(dir, 'HvLoader.efi'),
  };
}

export async function buildStandalone(options: StandaloneOptions): Promise<BuildResult> {
  const env = options.env ?? process.env;
  const machine = options.machine ?? realMachine(env.PATH ?? '');
  const missing = missingTools(STANDALONE_TOOLS, machine);
  if (missing.length) throw new BuildError(missing.join('\n'));
  if (!fs.existsSync(path.join(options.driverDir, 'Makefile'))) {
    throw new BuildError(`no Makefile in ${options.driverDir}: is this the hv-driver folder?`);
  }
  const started = Date.now();
  const status = await runStreaming(
    'make',
    ['-C', options.driverDir, `TARGET=${options.target}`, `-j${options.jobs ?? 2}`, 'all'],
    { env, sink: options.sink },
  );
  if (status !== 0) throw new BuildError(`standalone ${options.target} build failed (make exit ${status})`);
  const outputs = standaloneOutputs(options.driverDir, options.target);
  for (const file of Object.values(outputs)) {
    if (!fs.existsSync(file)) throw new BuildError(`make succeeded but ${file} is missing`);
  }
  return {
    toolchain: 'standalone',
    target: options.target,
    ...outputs,
    durationMs: Date.now() - started,
  };
}
