// `uefi-hv build`: builds the driver and its loader, standalone (clang/lld) or with EDK2.
// stderr: the build log, unchanged (problem matchers read it). stdout: "symbols: <path>",
// "loader: <path>", then the absolute path of the driver .efi as the LAST line.
import * as path from 'path';
import { buildEdk2 } from '../build/edk2';
import { BUILD_USAGE, parseBuildArgs, UsageError } from '../build/options';
import { BuildError, BuildResult } from '../build/result';
import { buildStandalone } from '../build/standalone';
import { locateEdk2Tree, NO_EDK2_TREE, realMachine } from '../build/toolchain';
import { CliError } from './errors';

/** hv-driver beside the compiled CLI: out/extension/src/cli -> <repo>/hv-driver. */
export function defaultDriverDir(): string {
  return path.resolve(__dirname, '..', '..', '..', '..', 'hv-driver');
}

export async function runBuildCommand(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseBuildArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) throw new CliError(`${e.message}\n${BUILD_USAGE}`, 2);
    throw e;
  }
  if (options.help) {
    console.log(BUILD_USAGE);
    return 0;
  }
  const driverDir = path.resolve(options.driverDir ?? defaultDriverDir());
  const sink = (chunk: string) => process.stderr.write(chunk);
  let result: BuildResult;
  try {
    if (options.toolchain === 'standalone') {
      result = await buildStandalone({ driverDir, target: options.target, sink });
    } else {
      const edk2Dir = locateEdk2Tree(options.edk2Dir, process.env, realMachine());
      if (!edk2Dir) throw new BuildError(NO_EDK2_TREE);
      result = await buildEdk2({
        edk2Dir,
        driverDir,
        tag: options.edk2Tag,
        target: options.target,
        workspace: options.edk2Workspace,
        sink,
      });
    }
  } catch (e) {
    if (e instanceof BuildError) throw new CliError(e.message, 1);
    throw e;
  }
  const label = result.edk2Tag ? `EDK2 ${result.edk2Tag} ${result.target}` : `standalone ${result.target}`;
  process.stderr.write(`uefi-hv build: ${label} done in ${(result.durationMs / 1000).toFixed(1)} s\n`);
  console.log(`symbols: ${result.symbols}`);
  console.log(`loader: ${result.loaderEfi}`);
  console.log(result.driverEfi);
  return 0;
}
