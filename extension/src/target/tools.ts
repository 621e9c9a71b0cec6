// Host tools: find a binary on PATH and say which Debian package provides a missing one.
import * as fs from 'fs';
import * as path from 'path';
import { execFile } from 'child_process';

export const APT_PACKAGE: Record<string, string> = {
  'bochs-bin': 'bochs bochsbios vgabios',
  bochs: 'bochs bochsbios vgabios',
  'qemu-system-x86_64': 'qemu-system-x86',
  'mkfs.fat': 'dosfstools',
  mmd: 'mtools',
  mcopy: 'mtools',
  make: 'make',
  mkfifo: 'coreutils',
};

export function installHint(binary: string): string {
  const pkg = APT_PACKAGE[path.basename(binary)];
  return pkg ? `install it: sudo apt-get install ${pkg}` : 'install it or put it on PATH';
}

export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

// Absolute path of an executable: a name is looked up on PATH, a path is checked as is.
export function findExecutable(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = binary.includes('/')
    ? [path.resolve(binary)]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, binary));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireExecutable(binary: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findExecutable(binary, env);
  if (!found) throw new ToolError(`${binary} is not on PATH; ${installHint(binary)}`);
  return found;
}

// Run a tool to completion; failure is one line naming the tool and its last error line.
export function run(
  binary: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  const env = opts.env ?? process.env;
  const exe = requireExecutable(binary, env);
  return new Promise((resolve, reject) => {
    execFile(exe, args, { env, cwd: opts.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const last = (stderr || stdout || err.message).trim().split('\n').pop();
        reject(new ToolError(`${binary} ${args.join(' ')} failed: ${last}`));
      } else {
        resolve(stdout);
      }
    });
  });
}
