// Runs a build tool, streaming its output unchanged (problem matchers read it) to a sink.
import { spawn } from 'child_process';
import { BuildError, OutputSink } from './result';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  sink: OutputSink;
}

/** Resolves with the exit status (a signal counts as 128 + its number, as in a shell). */
export function runStreaming(command: string, args: string[], options: RunOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', options.sink);
    child.stderr.setEncoding('utf8').on('data', options.sink);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BuildError(e.code === 'ENOENT' ? `${command} not found` : `${command}: ${e.message}`)),
    );
    child.on('close', (code, signal) => {
      if (signal) resolve(128 + signalNumber(signal));
      else resolve(code ?? 1);
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
