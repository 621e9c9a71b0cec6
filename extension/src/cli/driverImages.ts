// Where the driver and its loader come from: explicit files, or the standalone DEBUG build
// (hv-driver/build/DEBUG), built on demand when missing.
import * as fs from 'fs';
import * as path from 'path';
import { productRoot } from '../target/paths';
import { buildStandalone } from '../build/standalone';
import { BuildError } from '../build/result';
import { CliError } from './errors';

export interface DriverImages {
  driver: string;
  loader: string;
}

export function standaloneOutputs(root = productRoot(), target = 'DEBUG'): DriverImages & { debug: string } {
  const dir = path.join(root, 'hv-driver', 'build', target);
  return {
    driver: path.join(dir, 'HvDxe.efi'),
    loader: path.join(dir, 'HvLoader.efi'),
    debug: path.join(dir, 'HvDxe.debug'),
  };
}

// Build the standalone driver (the build module: make -C hv-driver) if an output is missing.
// The build's own output goes to `sink` (stderr), progress lines to `log`.
export async function ensureStandaloneBuild(
  log: (line: string) => void,
  root = productRoot(),
  sink: (chunk: string) => void = (c) => void process.stderr.write(c),
): Promise<DriverImages> {
  const out = standaloneOutputs(root);
  if (fs.existsSync(out.driver) && fs.existsSync(out.loader)) return out;
  const driverDir = path.join(root, 'hv-driver');
  if (!fs.existsSync(path.join(driverDir, 'Makefile'))) {
    throw new CliError(
      `no driver build: ${out.driver} is missing and ${driverDir}/Makefile does not exist (pass --driver and --loader)`,
      2,
    );
  }
  log('building the driver (standalone DEBUG) ...');
  try {
    const built = await buildStandalone({ driverDir, target: 'DEBUG', sink });
    return { driver: built.driverEfi, loader: built.loaderEfi };
  } catch (e) {
    if (e instanceof BuildError)
      throw new CliError(`driver build failed: ${e.message.split('\n').join('; ')}`, 2);
    throw e;
  }
}

export function requireFile(file: string, what: string): string {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new CliError(`${what} ${file} does not exist`, 2);
  }
  if (!st.isFile()) throw new CliError(`${what} ${file} is not a file`, 2);
  return abs;
}
