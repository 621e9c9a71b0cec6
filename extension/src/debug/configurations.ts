// Launch configurations of the `uefi-hv` debugger: the ones offered without a launch.json (one per
// profile that can run here), and the filling-in of a configuration before the session starts, so
// that a first F5 in a fresh workspace just works.
import { ProfileChoice } from '../profiles/profileChoices';

export const DEBUG_TYPE = 'uefi-hv';

export interface HvLaunchConfiguration {
  type: string;
  request: string;
  name: string;
  profile?: string;
  profilesDir?: string;
  symbols?: string;
  driver?: string;
  loader?: string;
  cpus?: number;
  ovmf?: string;
  gdbPath?: string;
  stopOnEntry?: boolean;
  exitBreakpoints?: string[]; // exit filter ids of the adapter: cpuid, wrmsr, io, ept...
  bootTimeout?: number; // ms
  connectTimeout?: number; // ms
  requestTimeout?: number; // ms
  keepRunDir?: boolean;
  verbose?: boolean;
  cwd?: string;
  preLaunchTask?: string;
  [key: string]: unknown;
}

export interface LaunchDefaults {
  profile: string; // setting uefi-hv.profile
  buildTarget: string; // setting uefi-hv.build.target
  buildTaskLabel: string; // "uefi-hv: build standalone DEBUG"
  outputsDir: string; // e.g. <driver dir>/build/DEBUG
  ovmf?: string;
  gdbPath?: string;
  profilesDir?: string;
  cwd?: string;
  timeouts: { startSeconds: number; bootSeconds: number; requestSeconds?: number }; // settings; 0 = the adapter's default
}

export function configurationFor(profile: string, d: LaunchDefaults): HvLaunchConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Hypervisor on ${profile}`,
    profile,
    preLaunchTask: d.buildTaskLabel,
    exitBreakpoints: ['cpuid'],
  };
}

// One configuration per profile that can run on this host (the selected one first).
export function dynamicConfigurations(choices: ProfileChoice[], d: LaunchDefaults): HvLaunchConfiguration[] {
  return choices
    .filter((c) => c.runnable)
    .sort((a, b) => Number(b.selected) - Number(a.selected))
    .map((c) => configurationFor(c.name, d));
}

export class LaunchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchConfigError';
  }
}

// Fill a configuration before launch. An empty one (F5 without launch.json) becomes the default
// configuration for the chosen profile. A profile that cannot run here is refused with its reason.
export function resolveConfiguration(
  config: HvLaunchConfiguration,
  choices: ProfileChoice[],
  d: LaunchDefaults,
): HvLaunchConfiguration {
  let c: HvLaunchConfiguration = { ...config };
  if (!c.type && !c.request && !c.name) c = configurationFor(d.profile, d);
  if (c.request !== 'launch')
    throw new LaunchConfigError(`uefi-hv: request "${String(c.request)}" is not supported (use "launch")`);
  c.profile = c.profile ?? d.profile;
  const choice = choices.find((p) => p.name === c.profile);
  if (!choice)
    throw new LaunchConfigError(
      `uefi-hv: no boot profile "${c.profile}" (have: ${choices.map((p) => p.name).join(', ')})`,
    );
  if (!choice.runnable) {
    const alt = choice.fallback ? `; use "profile": "${choice.fallback}"` : '';
    throw new LaunchConfigError(`uefi-hv: profile ${choice.name} cannot run here: ${choice.reason}${alt}`);
  }
  c.symbols = c.symbols ?? `${d.outputsDir}/HvDxe.debug`;
  c.driver = c.driver ?? `${d.outputsDir}/HvDxe.efi`;
  c.loader = c.loader ?? `${d.outputsDir}/HvLoader.efi`;
  if (c.ovmf === undefined && d.ovmf) c.ovmf = d.ovmf;
  if (c.gdbPath === undefined) c.gdbPath = d.gdbPath || 'gdb';
  if (c.profilesDir === undefined && d.profilesDir) c.profilesDir = d.profilesDir;
  if (c.cwd === undefined && d.cwd) c.cwd = d.cwd;
  // The settings' timeouts (seconds) fill the adapter's (milliseconds) where the user set none.
  if (c.bootTimeout === undefined && d.timeouts.bootSeconds) c.bootTimeout = d.timeouts.bootSeconds * 1000;
  if (c.connectTimeout === undefined && d.timeouts.startSeconds)
    c.connectTimeout = d.timeouts.startSeconds * 1000;
  if (c.requestTimeout === undefined && d.timeouts.requestSeconds)
    c.requestTimeout = Math.round(d.timeouts.requestSeconds * 1000);
  c.exitBreakpoints = c.exitBreakpoints ?? ['cpuid'];
  return c;
}
