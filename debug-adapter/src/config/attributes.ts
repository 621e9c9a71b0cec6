// launch.json / attach attributes of the `uefi-hv` debug type: checked once, every problem named by
// its attribute, every timeout with a default. The result is plain data the runtime consumes.
import * as path from 'path';
import { LinkSpec, parseLink } from '../runtime/link';

export const DEFAULT_TIMEOUTS = {
  bootTimeout: 180_000, // ms: power-on until the driver is loaded (Bochs boots in ~30-40 s)
  connectTimeout: 20_000, // ms: opening the link / the emulator's sockets
  requestTimeout: 5_000, // ms: one query on the link while the target is stopped
};

export interface HvConfig {
  request: 'launch' | 'attach';
  profile?: string; // launch: boot profile name
  profilesDir?: string;
  driver?: string; // .efi path, or undefined = the standalone build (built when missing)
  loader?: string;
  symbols?: string; // DWARF file for gdb (default: the driver with .debug)
  link?: LinkSpec; // attach: required; launch: overrides the profile's
  linkLog?: string; // every packet on the link, written to this file
  stopOnEntry: boolean;
  exitBreakpoints: string[];
  gdbPath: string;
  ovmf?: string;
  cpus?: number;
  cwd: string;
  verbose: boolean;
  logFile?: string;
  keepRunDir: boolean;
  startupNsh?: string; // launch: text of \startup.nsh (the UEFI shell runs it)
  espFiles: { dest: string; source: string }[]; // launch: more files on the ESP
  timeouts: typeof DEFAULT_TIMEOUTS;
}

export class AttributeError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.join('\n')}`);
    this.name = 'AttributeError';
  }
}

// Keys VS Code itself puts in a configuration; never ours to reject.
const HOST_KEYS = new Set([
  'type',
  'request',
  'name',
  'preLaunchTask',
  'postDebugTask',
  'internalConsoleOptions',
  'debugServer',
  'presentation',
  'noDebug',
  'suppressMultipleSessionWarning',
  'console',
]);

const KNOWN: Record<string, 'launch' | 'attach' | 'both'> = {
  profile: 'launch',
  profilesDir: 'launch',
  driver: 'launch',
  loader: 'launch',
  symbols: 'both',
  link: 'both',
  linkLog: 'both',
  stopOnEntry: 'both',
  exitBreakpoints: 'both',
  gdbPath: 'both',
  ovmf: 'launch',
  cpus: 'launch',
  cwd: 'both',
  verbose: 'both',
  logFile: 'both',
  keepRunDir: 'launch',
  startupNsh: 'launch',
  espFiles: 'launch',
  bootTimeout: 'launch',
  connectTimeout: 'both',
  requestTimeout: 'both',
};

export function parseAttributes(request: 'launch' | 'attach', raw: Record<string, unknown>): HvConfig {
  const problems: string[] = [];
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`'${key}' must be a non-empty string (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = raw[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      problems.push(`'${key}' must be true or false (got ${JSON.stringify(v)})`);
      return dflt;
    }
    return v;
  };
  const int = (key: string, dflt: number | undefined, min: number, max: number): number | undefined => {
    const v = raw[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`'${key}' must be an integer in ${min}..${max} (got ${JSON.stringify(v)})`);
      return dflt;
    }
    return v;
  };

  for (const key of Object.keys(raw)) {
    if (HOST_KEYS.has(key) || key.startsWith('__')) continue;
    const where = KNOWN[key];
    if (!where) problems.push(`unknown attribute '${key}'`);
    else if (where !== 'both' && where !== request)
      problems.push(`'${key}' applies to ${where} only, not ${request}`);
  }

  const cwd = str('cwd') ?? process.cwd();
  const resolve = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : path.resolve(cwd, p);
  const profile = str('profile');
  if (request === 'launch' && profile === undefined && raw.profile === undefined)
    problems.push(`'profile' is required for launch (a boot profile: bochs, qemu-tcg, qemu-kvm or your own)`);

  let link: LinkSpec | undefined;
  const linkText = str('link');
  if (linkText !== undefined) {
    const l = parseLink(linkText);
    if ('error' in l) problems.push(`'link': ${l.error}`);
    else link = l;
  } else if (request === 'attach' && raw.link === undefined) {
    problems.push(`'link' is required for attach (tcp:HOST:PORT or serial:DEVICE@BAUD)`);
  }

  let exitBreakpoints: string[] = [];
  const eb = raw.exitBreakpoints;
  if (eb !== undefined) {
    if (!Array.isArray(eb) || eb.some((x) => typeof x !== 'string'))
      problems.push(`'exitBreakpoints' must be an array of exit filter names (e.g. ["cpuid", "wrmsr"])`);
    else exitBreakpoints = eb as string[];
  }

  // espFiles: { "\\HvTest.efi": "path/on/host.efi", ... } (ESP path -> host file)
  const espFiles: { dest: string; source: string }[] = [];
  const ef = raw.espFiles;
  if (ef !== undefined) {
    if (typeof ef !== 'object' || ef === null || Array.isArray(ef))
      problems.push(
        `'espFiles' must be an object mapping ESP paths to host files (e.g. {"\\App.efi": "build/App.efi"})`,
      );
    else
      for (const [dest, source] of Object.entries(ef as Record<string, unknown>)) {
        if (typeof source !== 'string' || source.trim() === '' || !/^[\\/]/.test(dest))
          problems.push(
            `'espFiles': ${JSON.stringify(dest)} must be an absolute ESP path mapped to a host file`,
          );
        else espFiles.push({ dest, source: path.resolve(cwd, source) });
      }
  }

  const driverText = str('driver');
  const timeouts = {
    bootTimeout: int('bootTimeout', DEFAULT_TIMEOUTS.bootTimeout, 1000, 3_600_000)!,
    connectTimeout: int('connectTimeout', DEFAULT_TIMEOUTS.connectTimeout, 100, 600_000)!,
    requestTimeout: int('requestTimeout', DEFAULT_TIMEOUTS.requestTimeout, 50, 600_000)!,
  };
  const config: HvConfig = {
    request,
    profile,
    profilesDir: resolve(str('profilesDir')),
    driver: driverText === 'build' ? undefined : resolve(driverText),
    loader: resolve(str('loader')),
    symbols: resolve(str('symbols')),
    link,
    linkLog: resolve(str('linkLog')),
    stopOnEntry: bool('stopOnEntry', false),
    exitBreakpoints,
    gdbPath: str('gdbPath') ?? 'gdb',
    ovmf: resolve(str('ovmf')),
    cpus: int('cpus', undefined, 1, 64),
    cwd,
    verbose: bool('verbose', false),
    logFile: resolve(str('logFile')),
    keepRunDir: bool('keepRunDir', false),
    startupNsh: str('startupNsh'),
    espFiles,
    timeouts,
  };
  if (problems.length) throw new AttributeError(problems);
  return config;
}
