// Boot profiles: declarative JSON files (qemu-profiles/*.json and user folders), checked against
// qemu-profiles/profile.schema.json. A user profile may `extends` a built-in one.
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { builtinProfilesDir } from './paths';

export type EmulatorKind = 'bochs' | 'qemu';

// A profile with every default filled in: what the launchers consume.
export interface Profile {
  name: string;
  description: string;
  emulator: EmulatorKind;
  cpus: number;
  memoryMiB: number;
  firmware: string; // 'auto' or a path
  bochs: {
    binary: string;
    cpuModel: string;
    ips: number;
    // Bochs' configurable-MSR file (absolute once loaded: a relative path in a profile file is
    // resolved against that file's folder), and whether unknown MSRs read 0 instead of #GP.
    msrs?: string;
    ignoreBadMsrs: boolean;
    extraConfig: string[];
  };
  qemu: { binary: string; machine: string; accel: 'tcg' | 'kvm'; cpu: string; extraArgs: string[] };
  requires: { kvm: boolean; hostVmx: boolean };
  fallback?: string;
  serial: { console: 'com1'; debug: 'com2' | 'none' };
  timeouts: { bootSeconds: number; startSeconds: number; shutdownSeconds: number };
  source: string; // file it came from (the last of an extends chain)
  builtin: boolean;
}

const DEFAULTS: Omit<Profile, 'name' | 'description' | 'emulator' | 'source' | 'builtin'> = {
  cpus: 2,
  memoryMiB: 512,
  firmware: 'auto',
  bochs: {
    binary: 'bochs-bin',
    cpuModel: 'corei7_skylake_x',
    ips: 20_000_000,
    ignoreBadMsrs: true, // Bochs' own default
    extraConfig: [],
  },
  qemu: { binary: 'qemu-system-x86_64', machine: 'q35', accel: 'tcg', cpu: 'max', extraArgs: [] },
  requires: { kvm: false, hostVmx: false },
  serial: { console: 'com1', debug: 'none' },
  timeouts: { bootSeconds: 120, startSeconds: 20, shutdownSeconds: 5 },
};

// Every problem found in one or more profile files; message holds one line per problem.
export class ProfileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ProfileError';
  }
}

type RawProfile = { name: string; extends?: string; [key: string]: unknown };

const validators = new Map<string, ValidateFunction>();
function validator(schemaDir: string): ValidateFunction {
  let v = validators.get(schemaDir);
  if (!v) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, 'profile.schema.json'), 'utf8'));
    v = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
    validators.set(schemaDir, v);
  }
  return v;
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
      return `${where}: needs "emulator" or "extends"`;
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}

// "Unexpected token } in JSON at position 42" -> "line 3 column 5: Unexpected token }".
function describeJsonError(text: string, err: Error): string {
  const m = /at position (\d+)/.exec(err.message);
  const msg = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  if (!m) return msg;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line} column ${column}: ${msg}`;
}

// Read and schema-check one file. Problems are pushed as "FILE: /json/path: what is wrong".
export function readProfileFile(
  file: string,
  problems: string[],
  schemaDir = builtinProfilesDir(),
): RawProfile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    problems.push(`${file}: cannot read: ${(e as Error).message}`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    problems.push(`${file}: invalid JSON: ${describeJsonError(text, e as Error)}`);
    return undefined;
  }
  const validate = validator(schemaDir);
  if (!validate(data)) {
    // anyOf also reports each failed branch ("must have required property 'emulator'"): keep the summary.
    const errors = (validate.errors ?? []).filter((e) => !e.schemaPath.startsWith('#/anyOf/'));
    for (const e of errors) problems.push(`${file}: ${describeAjvError(e)}`);
    return undefined;
  }
  const bochs = (data as { bochs?: { msrs?: string } }).bochs;
  if (bochs?.msrs !== undefined && !path.isAbsolute(bochs.msrs))
    bochs.msrs = path.resolve(path.dirname(file), bochs.msrs);
  return data as RawProfile;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Objects merge key by key; arrays and scalars from `over` replace those of `base`.
export function mergeProfiles(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeProfiles(base[k], v) : v;
  }
  return out;
}

function withDefaults(raw: Record<string, unknown>, source: string, builtin: boolean): Profile {
  const merged = mergeProfiles(DEFAULTS as unknown as Record<string, unknown>, raw);
  delete merged.$schema;
  delete merged.extends;
  return { ...(merged as unknown as Profile), source, builtin };
}

export interface ProfileSet {
  profiles: Map<string, Profile>;
  get(name: string): Profile;
}

export interface LoadOptions {
  builtinDir?: string; // qemu-profiles/ (schema + built-in profiles)
  userDirs?: string[]; // folders of extra *.json profiles (setting / --profiles-dir)
  userFiles?: string[]; // single profile files
}

function jsonFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'profile.schema.json')
    .sort()
    .map((f) => path.join(dir, f));
}

// Load built-in and user profiles. Any problem in any file throws one ProfileError listing them all.
export function loadProfiles(opts: LoadOptions = {}): ProfileSet {
  const builtinDir = opts.builtinDir ?? builtinProfilesDir();
  const problems: string[] = [];
  const profiles = new Map<string, Profile>();
  const builtinRaw = new Map<string, Record<string, unknown>>();

  for (const file of jsonFiles(builtinDir)) {
    const raw = readProfileFile(file, problems, builtinDir);
    if (!raw) continue;
    if (raw.extends) problems.push(`${file}: /extends: built-in profiles cannot extend`);
    builtinRaw.set(raw.name, raw);
    profiles.set(raw.name, withDefaults(raw, file, true));
  }

  const userFiles = [...(opts.userFiles ?? [])];
  for (const dir of opts.userDirs ?? []) {
    if (!fs.existsSync(dir)) {
      problems.push(`${dir}: profile folder does not exist`);
      continue;
    }
    userFiles.push(...jsonFiles(dir));
  }
  const seenUser = new Map<string, string>();
  for (const file of userFiles) {
    const raw = readProfileFile(file, problems, builtinDir);
    if (!raw) continue;
    const twin = seenUser.get(raw.name);
    if (twin) {
      problems.push(`${file}: /name: '${raw.name}' is already defined in ${twin}`);
      continue;
    }
    seenUser.set(raw.name, file);
    let merged: Record<string, unknown> = raw;
    if (raw.extends) {
      const base = builtinRaw.get(raw.extends);
      if (!base) {
        problems.push(
          `${file}: /extends: no built-in profile '${raw.extends}' (have: ${[...builtinRaw.keys()].join(', ')})`,
        );
        continue;
      }
      merged = mergeProfiles(base, raw);
    }
    // A user profile with its own name shadows nothing silently: replacing a built-in needs another name.
    if (builtinRaw.has(raw.name)) {
      problems.push(
        `${file}: /name: '${raw.name}' is a built-in profile; pick another name (use "extends" to start from it)`,
      );
      continue;
    }
    profiles.set(raw.name, withDefaults(merged, file, false));
  }

  if (problems.length) throw new ProfileError(problems);
  return {
    profiles,
    get(name: string): Profile {
      const p = profiles.get(name);
      if (!p)
        throw new ProfileError([
          `unknown profile '${name}' (have: ${[...profiles.keys()].sort().join(', ')})`,
        ]);
      return p;
    },
  };
}
