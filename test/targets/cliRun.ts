// Run `uefi-hv` in a child process the way a user does, and watch its console and stderr.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CLI = path.resolve(__dirname, '../../extension/src/cli/main.js');

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

export class CliRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString('latin1');
      this.wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('latin1');
      this.wake();
    });
    this.done = new Promise((r) => this.child.once('close', (code, signal) => r({ code, signal })));
    void this.done.then(() => this.wake());
  }

  private wakeTimer?: NodeJS.Timeout;
  // Checks run at most every 100 ms: re-reading a growing console on every byte would slow this
  // process enough to back-pressure the emulator (QEMU's UART drops bytes after a few retries).
  private wake(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      for (const w of this.waiters.splice(0)) w();
    }, 100);
  }

  private cleanCache = { length: -1, text: '' };
  // Console text as a person reads it: colour and cursor codes gone, CRs dropped.
  get console(): string {
    if (this.cleanCache.length !== this.stdout.length) {
      this.cleanCache = { length: this.stdout.length, text: this.stdout.replace(ANSI, '') };
    }
    return this.cleanCache.text;
  }
  get stderrLines(): string[] {
    return this.stderr.split('\n').filter(Boolean);
  }

  // Wait until `test` returns a value (checked on every output), or fail with what was seen.
  async until<T>(what: string, test: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = test();
      if (v) return v;
      const exited = this.child.exitCode !== null || this.child.signalCode !== null;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `${exited ? 'uefi-hv exited' : `timed out after ${timeoutMs} ms`} waiting for ${what}\n--- stderr\n${this.stderr}\n--- console tail\n${this.console.slice(-1500)}`,
        );
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(500, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  waitConsole(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return this.until(String(re), () => re.exec(this.console), timeoutMs);
  }

  // The start line: "uefi-hv boot: profile P: BIN pid N, run folder DIR".
  started(timeoutMs = 30_000): Promise<{ pid: number; runDir: string }> {
    return this.until(
      'the start line',
      () => {
        const m = /pid (\d+), run folder (\S+)/.exec(this.stderr);
        return m ? { pid: Number(m[1]), runDir: m[2] } : undefined;
      },
      timeoutMs,
    );
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Processes whose command line mentions `text` (the run folder is in every emulator argument list).
export function pgrep(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', text], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // status 1: no process
  }
}

export function privateTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-test-'));
}
