// A small, strict option parser for the CLI: --name VALUE, --name=VALUE, boolean --flags.
// Unknown options and missing values are errors (exit 2), never ignored.
import { CliError } from './errors';

export interface OptionSpec {
  name: string; // without dashes
  value?: string; // placeholder if it takes a value (e.g. 'NAME'); absent: boolean flag
  repeat?: boolean; // may be given more than once (values collected)
  help: string;
}

export type Parsed = Record<string, string | string[] | boolean | undefined>;

export function parseOptions(argv: string[], specs: OptionSpec[], command: string): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: Parsed = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--'))
      throw new CliError(`unexpected argument '${arg}' (see uefi-hv ${command} --help)`, 2);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const spec = byName.get(name);
    if (!spec) throw new CliError(`unknown option --${name} (see uefi-hv ${command} --help)`, 2);
    if (!spec.value) {
      if (eq >= 0) throw new CliError(`--${name} takes no value`, 2);
      out[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    if (value === undefined) throw new CliError(`--${name} needs a value (${spec.value})`, 2);
    if (spec.repeat) out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    else if (out[name] !== undefined) throw new CliError(`--${name} given twice`, 2);
    else out[name] = value;
  }
  return out;
}

export function optionsHelp(specs: OptionSpec[]): string {
  const rows = specs.map((s) => [`--${s.name}${s.value ? ` ${s.value}` : ''}`, s.help]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${b}`).join('\n');
}

export function intOption(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new CliError(`--${name} must be an integer from ${min} to ${max} (got '${v}')`, 2);
  }
  return Number(v);
}

export function secondsOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new CliError(`--${name} must be a number of seconds (got '${v}')`, 2);
  return Number(v);
}

export function regexOption(v: string | undefined, name: string): RegExp | undefined {
  if (v === undefined) return undefined;
  try {
    return new RegExp(v, 'm');
  } catch (e) {
    throw new CliError(`--${name}: bad regular expression: ${(e as Error).message}`, 2);
  }
}
