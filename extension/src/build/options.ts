// `uefi-hv build` options: parsing and validation only (no I/O), so every case is unit-testable.
import { BUILD_TARGETS, BuildTarget, EDK2_TAGS, Edk2Tag, TOOLCHAINS, Toolchain } from './result';

export interface BuildOptions {
  toolchain: Toolchain;
  target: BuildTarget;
  edk2Tag: Edk2Tag;
  edk2Dir?: string;
  edk2Workspace?: string;
  driverDir?: string;
  help: boolean;
}

export const BUILD_USAGE = [
  'usage: uefi-hv build [--toolchain standalone|edk2] [--target DEBUG|RELEASE|NOOPT]',
  '                     [--edk2 DIR] [--edk2-tag GCC|CLANGDWARF|GCCNOLTO] [--edk2-workspace DIR]',
  '                     [--driver-dir DIR] [--help]',
  '',
  '  --toolchain       standalone (default: Debian clang/lld, no EDK2) or edk2 (EDK2 `build`)',
  '  --target          DEBUG (default), RELEASE or NOOPT',
  '  --edk2 DIR        EDK2 tree (default: $WORKSPACE, else the $PACKAGES_PATH entry with edksetup.sh);',
  '                    implies --toolchain edk2',
  '  --edk2-tag        EDK2 toolchain tag: GCC (default), CLANGDWARF or GCCNOLTO',
  '  --edk2-workspace  EDK2 build workspace (default: <driver-dir>/build/edk2-ws)',
  '  --driver-dir DIR  the hv-driver folder (default: the one beside this CLI)',
  '',
  'The build log goes to stderr. On success stdout ends with "symbols: <.debug>", "loader: <.efi>"',
  'and, on the last line, the absolute path of the driver .efi.',
].join('\n');

/** A usage error: the message is one line; the CLI adds the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const upper = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!upper) throw new UsageError(`${option} ${value}: expected one of ${allowed.join(', ')}`);
  return upper;
}

export function parseBuildArgs(argv: readonly string[]): BuildOptions {
  const options: BuildOptions = { toolchain: 'standalone', target: 'DEBUG', edk2Tag: 'GCC', help: false };
  let toolchainGiven = false;
  let edk2Hinted = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case '--toolchain':
        options.toolchain = oneOf(name, takeValue(), TOOLCHAINS);
        toolchainGiven = true;
        break;
      case '--target':
        options.target = oneOf(name, takeValue(), BUILD_TARGETS);
        break;
      case '--edk2-tag':
        options.edk2Tag = oneOf(name, takeValue(), EDK2_TAGS);
        edk2Hinted = true;
        break;
      case '--edk2':
        options.edk2Dir = nonEmpty(name, takeValue());
        edk2Hinted = true;
        break;
      case '--edk2-workspace':
        options.edk2Workspace = nonEmpty(name, takeValue());
        edk2Hinted = true;
        break;
      case '--driver-dir':
        options.driverDir = nonEmpty(name, takeValue());
        break;
      default:
        throw new UsageError(`unknown option '${name}'`);
    }
  }
  if (edk2Hinted && !toolchainGiven) options.toolchain = 'edk2';
  if (edk2Hinted && options.toolchain === 'standalone') {
    throw new UsageError('--edk2, --edk2-tag and --edk2-workspace need --toolchain edk2');
  }
  return options;
}

function nonEmpty(option: string, value: string): string {
  if (!value) throw new UsageError(`${option} needs a value`);
  return value;
}
