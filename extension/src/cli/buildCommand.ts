// `uefi-hv build`: INTERIM standalone-only implementation so the extension's build tasks (which run
// this command) work end to end. The driver branch's build module (extension/src/build/) replaces
// the body; the options below are the contract the task provider relies on:
//   --kind standalone|edk2  --target DEBUG|RELEASE|NOOPT  --toolchain clang|GCC|GCCNOLTO|CLANGDWARF
//   --driver-dir DIR  --edk2 DIR  --clean  --timeout SECONDS
// Output: the tools' own diagnostics, unchanged (the problem matchers read them), then one line.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { productRoot } from '../target/paths';
import { CliError } from './errors';

interface BuildOptions {
  kind: string;
  target: string;
  toolchain: string;
  driverDir: string;
  edk2?: string;
  clean: boolean;
  timeoutSeconds: number;
}

function parse(argv: string[]): BuildOptions {
  const o: BuildOptions = {
    kind: 'standalone',
    target: 'DEBUG',
    toolchain: 'clang',
    driverDir: '',
    clean: false,
    timeoutSeconds: 600,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${a} needs a value`, 2);
      return v;
    };
    if (a === '--kind') o.kind = value();
    else if (a === '--target') o.target = value();
    else if (a === '--toolchain') o.toolchain = value();
    else if (a === '--driver-dir') o.driverDir = path.resolve(value());
    else if (a === '--edk2') o.edk2 = value();
    else if (a === '--clean') o.clean = true;
    else if (a === '--timeout') o.timeoutSeconds = Number(value());
    else throw new CliError(`unknown option ${a}`, 2);
  }
  if (!o.driverDir) o.driverDir = path.join(productRoot(), 'hv-driver');
  if (!Number.isFinite(o.timeoutSeconds) || o.timeoutSeconds <= 0)
    throw new CliError('--timeout must be a positive number of seconds', 2);
  return o;
}

function make(args: string[], cwd: string, timeoutSeconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('make', args, { cwd, stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`uefi-hv build: timed out after ${timeoutSeconds} s; stopping make`);
      child.kill('SIGTERM');
    }, timeoutSeconds * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CliError(`cannot run make: ${e.message} (sudo apt-get install make)`, 2));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

export async function runBuildCommand(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o.kind !== 'standalone')
    throw new CliError(
      `--kind ${o.kind} is not implemented yet (the EDK2 build lands with the build module)`,
      2,
    );
  if (o.toolchain !== 'clang') throw new CliError(`the standalone build uses clang, not ${o.toolchain}`, 2);
  if (!fs.existsSync(path.join(o.driverDir, 'Makefile')))
    throw new CliError(`no Makefile in ${o.driverDir} (pass --driver-dir)`, 2);
  const started = Date.now();
  if (o.clean) await make(['clean'], o.driverDir, o.timeoutSeconds);
  const code = await make([`TARGET=${o.target}`, '-j2'], o.driverDir, o.timeoutSeconds);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const out = path.join(o.driverDir, 'build', o.target);
  console.error(code === 0 ? `uefi-hv build: ${out} ready (${secs} s)` : `uefi-hv build: failed (${secs} s)`);
  return code;
}
