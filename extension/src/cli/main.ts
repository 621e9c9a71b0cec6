#!/usr/bin/env node
// uefi-hv: the command-line face of the workbench. The extension's tasks call the same modules.
import { runBuildCommand } from './buildCommand';
import { runBootCommand } from './bootCommand';
import { runStartCommand } from './startCommand';
import { CliError } from './errors';

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'build if needed, boot on the best profile this host runs, console here',
    run: runStartCommand,
  },
  build: { summary: 'build the driver (standalone clang/lld, or EDK2)', run: runBuildCommand },
  boot: { summary: 'boot the driver on OVMF in an emulator and stream the console', run: runBootCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return [
    'usage: uefi-hv <command> [options]',
    '',
    ...lines,
    '',
    'uefi-hv <command> --help for options',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`uefi-hv: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`uefi-hv ${name}: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

// Serve at top level (not behind require.main): the same file is also required by other hosts.
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(70);
    },
  );
}
