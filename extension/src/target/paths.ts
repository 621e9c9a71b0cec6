import * as fs from 'fs';
import * as path from 'path';

// The repository (or installed extension) root: the first folder above this file that holds
// qemu-profiles/. Works from both extension/src/target (sources) and out/extension/src/target.
export function productRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'qemu-profiles', 'profile.schema.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`qemu-profiles/ not found above ${from}`);
  }
}

export function builtinProfilesDir(): string {
  return path.join(productRoot(), 'qemu-profiles');
}
