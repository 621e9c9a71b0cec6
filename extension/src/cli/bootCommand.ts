// uefi-hv boot: boot the driver on OVMF in one profile's emulator and stream the console.
import * as fs from 'fs';
import * as path from 'path';
import { EspSpec } from '../target/esp';
import { cannotRunLine, readHostFacts, whyCannotRun } from '../target/hostcaps';
import { LaunchError, preflight } from '../target/launcher';
import { OvmfError } from '../target/ovmf';
import { loadProfiles, Profile, ProfileError } from '../target/profiles';
import { ToolError } from '../target/tools';
import { ensureStandaloneBuild, requireFile } from './driverImages';
import { CliError } from './errors';
import { EXIT, runBootSession } from './bootSession';
import { intOption, OptionSpec, optionsHelp, parseOptions, regexOption, secondsOption } from './options';

export const BOOT_OPTIONS: OptionSpec[] = [
  {
    name: 'profile',
    value: 'NAME',
    help: 'boot profile: bochs, qemu-tcg, qemu-kvm or a user profile (required)',
  },
  {
    name: 'profiles-dir',
    value: 'DIR',
    repeat: true,
    help: 'extra folder of user profiles (also $UEFI_HV_PROFILES)',
  },
  {
    name: 'driver',
    value: 'EFI',
    help: 'driver image (default: hv-driver/build/DEBUG/HvDxe.efi, built if missing)',
  },
  {
    name: 'loader',
    value: 'EFI',
    help: 'loader app booted as \\EFI\\BOOT\\BOOTX64.EFI (default: HvLoader.efi)',
  },
  { name: 'no-driver', help: 'boot the bare firmware (shell and --startup-nsh only)' },
  { name: 'cpus', value: 'N', help: "number of CPUs (default: the profile's)" },
  { name: 'ovmf', value: 'PATH', help: 'OVMF image or folder (default: discovered; also $UEFI_HV_OVMF)' },
  { name: 'timeout', value: 'S', help: "give up after S seconds (default: the profile's; 0: never)" },
  { name: 'serial-log', value: 'FILE', help: 'also write the console bytes to FILE' },
  {
    name: 'until',
    value: 'REGEX',
    help: 'stop with status 0 once the console matches REGEX (ANSI codes stripped)',
  },
  {
    name: 'startup-nsh',
    value: 'TEXT|FILE',
    help: '\\startup.nsh for the shell: a file, or text (\\n separates lines)',
  },
  {
    name: 'debug-port',
    value: 'N',
    help: "the hypervisor's debug link (COM2, GDB RSP) on 127.0.0.1:N: gdb -ex 'target remote :N'",
  },
  {
    name: 'resets',
    value: 'N',
    help: 'let the target reset itself N times before a reset ends the run (default 0)',
  },
  { name: 'keep-run-dir', help: 'keep the run folder (bochsrc, logs, ESP image) for a post-mortem' },
  { name: 'help', help: 'this text' },
];

export function bootHelp(): string {
  return [
    'usage: uefi-hv boot --profile NAME [options]',
    '',
    'Boots OVMF in an emulator with the loader as \\EFI\\BOOT\\BOOTX64.EFI and the driver at',
    '\\EFI\\uefi-hv\\HvDxe.efi; streams the firmware console (COM1) to stdout. One line on stderr',
    'says why it ended.',
    '',
    optionsHelp(BOOT_OPTIONS),
    '',
    'exit status:',
    `  ${EXIT.ok}    --until matched, or the target powered off cleanly (no --until)`,
    `  ${EXIT.startup}    bad input or start-up error (nothing left running)`,
    `  ${EXIT.timeout}    timed out`,
    `  ${EXIT.emulatorDied}    the emulator died (crash, panic, killed)`,
    `  ${EXIT.targetReset}    the target reset itself (more often than --resets allows)`,
    `  ${EXIT.poweredOffEarly}    the target powered off before --until matched`,
    `  ${EXIT.driverFailed}    the loader reported that the driver failed to load or start`,
    `  ${EXIT.sigint}  interrupted (SIGINT / Ctrl-C), ${EXIT.sigterm} terminated (SIGTERM); the emulator is stopped`,
  ].join('\n');
}

// One line per problem, each with the command's prefix (main.ts prefixes the first).
function profileCliError(e: ProfileError): CliError {
  return new CliError(e.problems.join('\nuefi-hv boot: '), EXIT.startup);
}

// Profiles from the built-in folder plus --profiles-dir and $UEFI_HV_PROFILES (path-list).
export function loadProfileSet(dirs: string[] | undefined, env: NodeJS.ProcessEnv = process.env) {
  const userDirs = [...(env.UEFI_HV_PROFILES ?? '').split(path.delimiter).filter(Boolean), ...(dirs ?? [])];
  try {
    return loadProfiles({ userDirs });
  } catch (e) {
    if (e instanceof ProfileError) throw profileCliError(e);
    throw e;
  }
}

export function pickProfile(name: string, dirs: string[] | undefined): Profile {
  const set = loadProfileSet(dirs);
  try {
    return set.get(name);
  } catch (e) {
    if (e instanceof ProfileError) throw profileCliError(e);
    throw e;
  }
}

export function startupNshText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (fs.existsSync(v) && fs.statSync(v).isFile()) return fs.readFileSync(v, 'utf8');
  return v.replace(/\\n/g, '\n') + '\n';
}

// Everything that can fail without starting an emulator, checked before starting one.
export function checkRunnable(profile: Profile, ovmf: string | undefined): void {
  const why = whyCannotRun(profile, readHostFacts());
  if (why) throw new CliError(cannotRunLine(profile, why), EXIT.startup);
  try {
    preflight({ profile, esp: {}, ovmf });
  } catch (e) {
    if (e instanceof OvmfError || e instanceof ToolError || e instanceof LaunchError)
      throw new CliError(e.message, EXIT.startup);
    throw e;
  }
}

export async function driverEsp(
  opts: { driver?: string; loader?: string; noDriver?: boolean; startupNsh?: string },
  say: (l: string) => void,
): Promise<EspSpec> {
  if (opts.noDriver) {
    if (opts.driver || opts.loader) throw new CliError('--no-driver excludes --driver and --loader', 2);
    return { startupNsh: opts.startupNsh };
  }
  let driver = opts.driver && requireFile(opts.driver, 'driver');
  let loader = opts.loader && requireFile(opts.loader, 'loader');
  if (!driver || !loader) {
    const built = await ensureStandaloneBuild(say);
    driver = driver || built.driver;
    loader = loader || built.loader;
  }
  return { driver, loader, startupNsh: opts.startupNsh };
}

export async function runBootCommand(argv: string[]): Promise<number> {
  const o = parseOptions(argv, BOOT_OPTIONS, 'boot');
  if (o.help) {
    console.log(bootHelp());
    return 0;
  }
  if (typeof o.profile !== 'string')
    throw new CliError('--profile NAME is required (bochs, qemu-tcg, qemu-kvm)', 2);
  const cpus = intOption(o.cpus as string | undefined, 'cpus', 1, 64);
  const timeout = secondsOption(o.timeout as string | undefined, 'timeout');
  const until = regexOption(o.until as string | undefined, 'until');
  const ovmf = o.ovmf as string | undefined;
  const debugPort = intOption(o['debug-port'] as string | undefined, 'debug-port', 1, 65535);
  const resets = intOption(o.resets as string | undefined, 'resets', 0, 1000);
  const picked = pickProfile(o.profile, o['profiles-dir'] as string[] | undefined);
  // The debug link is the emulator's COM2 on a fresh port, bridged to the port asked for.
  const profile =
    debugPort === undefined ? picked : { ...picked, serial: { ...picked.serial, debug: 'com2' as const } };
  const say = (l: string): void => void process.stderr.write(`uefi-hv boot: ${l}\n`);
  checkRunnable(profile, ovmf);
  const esp = await driverEsp(
    {
      driver: o.driver as string | undefined,
      loader: o.loader as string | undefined,
      noDriver: o['no-driver'] === true,
      startupNsh: startupNshText(o['startup-nsh'] as string | undefined),
    },
    say,
  );
  return runBootSession({
    command: 'boot',
    profile,
    esp,
    cpus,
    ovmf,
    timeoutSeconds: timeout ?? profile.timeouts.bootSeconds,
    serialLog: o['serial-log'] as string | undefined,
    until,
    forwardStdin: true,
    watchLoader: !!esp.loader,
    keepRunDir: o['keep-run-dir'] === true,
    debugPort,
    resetsAllowed: resets,
  });
}
