// Where the driver and its loader come from: explicit files, or the standalone DEBUG build
// (hv-driver/build/DEBUG), built on demand when missing.
import * as fs from 'fs';
import * as path from 'path';
import { productRoot } from '../target/paths';
import { run } from '../target/tools';
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

// Build the standalone driver if an output is missing. Progress goes to `log` (stderr).
export async function ensureStandaloneBuild(
  log: (line: string) => void,
  root = productRoot(),
): Promise<DriverImages> {
  const out = standaloneOutputs(root);
  if (fs.existsSync(out.driver) && fs.existsSync(out.loader)) return out;
  const makefile = path.join(root, 'hv-driver', 'Makefile');
  if (!fs.existsSync(makefile)) {
    throw new CliError(
      `no driver build: ${out.driver} is missing and ${makefile} does not exist (pass --driver and --loader)`,
      2,
    );
  }
  log(`building the driver (make -C hv-driver) ...`);
  try {
    await run('make', ['-C', path.join(root, 'hv-driver'), '-j2']);
  } catch (e) {
    throw new CliError(`driver build failed: ${(e as Error).message}`, 2);
  }
  for (const f of [out.driver, out.loader]) {
    if (!fs.existsSync(f)) throw new CliError(`driver build did not produce ${f}`, 2);
  }
  return out;
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
