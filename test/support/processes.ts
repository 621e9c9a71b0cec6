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

/** Line (1-based) of the first line of `file` containing `text`: tests find lines by content. */
export function lineOf(file: string, text: string): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `'${text}' not in ${file}`);
  return i + 1;
}
