// The EDK2 build: the driver's package (hv-driver/ = HvPkg) built by EDK2's `build` from a
// workspace outside both trees. Recipe and traps: shared/edk2.md.
//  - The package folder is named hv-driver, EDK2 wants HvPkg/...: the workspace holds a link
//    pkgs/HvPkg -> hv-driver, and PACKAGES_PATH = <edk2 tree>:<workspace>/pkgs.
//  - Each workspace has its own Conf/ (edksetup.sh copies the templates there), so builds never
//    write into the EDK2 tree, and one prepared tree serves many workspaces.
//  - edksetup.sh is always sourced with the argument BaseTools (it parses "$@" otherwise).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runStreaming } from './spawn';
import { BuildError, BuildResult, BuildTarget, Edk2Tag, OutputSink } from './result';
import { edk2Tools, edk2TreeProblems, Machine, missingTools, realMachine } from './toolchain';

export const PACKAGE_NAME = 'HvPkg';

export interface Edk2Options {
  /** The EDK2 tree (holds edksetup.sh, BaseTools, MdePkg). */
  edk2Dir: string;
  /** The driver's folder (the package: HvPkg.dsc). */
  driverDir: string;
  tag: Edk2Tag;
  target: BuildTarget;
  sink: OutputSink;
  /** Build workspace (Conf/, Build/, the package link). Default: <driverDir>/build/edk2-ws. */
  workspace?: string;
  /** Modules built in parallel (`build -n`); default: the number of CPUs. */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
  machine?: Machine;
}

export function defaultWorkspace(driverDir: string): string {
  return path.join(driverDir, 'build', 'edk2-ws');
}

/** Where `build` puts the images (OUTPUT_DIRECTORY of HvPkg.dsc is Build/HvPkg). */
export function edk2Outputs(workspace: string, tag: Edk2Tag, target: BuildTarget) {
  const dir = path.join(workspace, 'Build', PACKAGE_NAME, `${target}_${tag}`, 'X64');
  return {
    driverEfi: path.join(dir, 'HvDxe.efi'),
    symbols: path.join(dir, 'HvDxe.debug'),
    loaderEfi: path.join(dir, 'HvLoader.efi'),
  };
}

/** Creates the workspace's Conf/ and the HvPkg link (replacing a link that points elsewhere). */
export function prepareWorkspace(workspace: string, driverDir: string): string {
  fs.mkdirSync(path.join(workspace, 'Conf'), { recursive: true });
  const pkgs = path.join(workspace, 'pkgs');
  fs.mkdirSync(pkgs, { recursive: true });
  const link = path.join(pkgs, PACKAGE_NAME);
  const target = path.resolve(driverDir);
  let current: string | undefined;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== target) {
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync(target, link, 'dir');
  }
  return pkgs;
}

export async function buildEdk2(options: Edk2Options): Promise<BuildResult> {
  const env = options.env ?? process.env;
  const machine = options.machine ?? realMachine(env.PATH ?? '');
  const edk2Dir = path.resolve(options.edk2Dir);
  const problems = [...edk2TreeProblems(edk2Dir, machine), ...missingTools(edk2Tools(options.tag), machine)];
  if (problems.length) throw new BuildError(problems.join('\n'));
  if (!fs.existsSync(path.join(options.driverDir, `${PACKAGE_NAME}.dsc`))) {
    throw new BuildError(`no ${PACKAGE_NAME}.dsc in ${options.driverDir}: is this the hv-driver folder?`);
  }
  const workspace = path.resolve(options.workspace ?? defaultWorkspace(options.driverDir));
  const pkgs = prepareWorkspace(workspace, options.driverDir);
  const jobs = options.jobs ?? Math.max(1, os.cpus().length);
  const script = [
    'set -e',
    // stdout of edksetup.sh is chatter ("Loading previous configuration..."): keep it in the log.
    '. "$HV_EDK2_DIR/edksetup.sh" BaseTools',
    'exec build -a X64 -t "$HV_TAG" -b "$HV_TARGET" -p HvPkg/HvPkg.dsc -n "$HV_JOBS"',
  ].join('\n');
  const started = Date.now();
  const status = await runStreaming('bash', ['-c', script], {
    cwd: workspace,
    env: {
      ...env,
      WORKSPACE: workspace,
      PACKAGES_PATH: [edk2Dir, pkgs].join(path.delimiter),
      PYTHONDONTWRITEBYTECODE: '1',
      // build.py would otherwise pick up a CONF_PATH from the user's shell.
      CONF_PATH: path.join(workspace, 'Conf'),
      HV_EDK2_DIR: edk2Dir,
      HV_TAG: options.tag,
      HV_TARGET: options.target,
      HV_JOBS: String(jobs),
    },
    sink: options.sink,
  });
  if (status !== 0) {
    throw new BuildError(`EDK2 ${options.tag} ${options.target} build failed (build exit ${status})`);
  }
  const outputs = edk2Outputs(workspace, options.tag, options.target);
  for (const file of Object.values(outputs)) {
    if (!fs.existsSync(file)) throw new BuildError(`EDK2 build succeeded but ${file} is missing`);
  }
  return {
    toolchain: 'edk2',
    target: options.target,
    edk2Tag: options.tag,
    ...outputs,
    durationMs: Date.now() - started,
  };
}
