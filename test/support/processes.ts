// Process and source facts the target tests check.
import * as assert from 'assert';
import * as fs from 'fs';

/** True while a process with this pid exists (signal 0 probes without touching it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Line (1-based) of the first line of `file` containing `text`, at or after the first line
 * containing `after` if given (a function's opening line): tests find lines by content.
 */
export function lineOf(file: string, text: string, after?: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const from = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  assert.ok(from >= 0, `'${after}' not in ${file}`);
  const i = lines.findIndex((l, n) => n >= from && l.includes(text));
  assert.ok(i >= 0, `'${text}' not in ${file}${after === undefined ? '' : ` after '${after}'`}`);
  return i + 1;
}

/** Resolves with the match once `get()` (a growing log) matches `re`; rejects with its tail after `ms`. */
export function waitFor(get: () => string, re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      const m = re.exec(get());
      if (m) return resolve(m);
      if (Date.now() - t0 > ms)
        return reject(new Error(`no ${what} within ${ms} ms; tail:\n${get().slice(-3000)}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}
