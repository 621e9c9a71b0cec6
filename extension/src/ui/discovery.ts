// Where things are when the settings leave them empty: the driver's folder and an EDK2 tree.
import * as fs from 'fs';
import * as path from 'path';

// The driver's folder: the setting, else <root>/hv-driver, else the root itself when it holds the
// package (HvPkg.dec) or the Makefile.
export function discoverDriverDir(setting: string, root: string | undefined): string | undefined {
  if (setting) return setting;
  if (!root) return undefined;
  const candidates = [path.join(root, 'hv-driver'), root];
  return candidates.find(
    (d) => fs.existsSync(path.join(d, 'HvPkg.dec')) || fs.existsSync(path.join(d, 'Makefile')),
  );
}

// An EDK2 tree is a folder with edksetup.sh and BaseTools/.
export function isEdk2Tree(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'edksetup.sh')) && fs.existsSync(path.join(dir, 'BaseTools'));
}

export function discoverEdk2(setting: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    setting,
    env.EDK_TOOLS_PATH ? path.dirname(env.EDK_TOOLS_PATH) : '',
    env.WORKSPACE ?? '',
  ].filter(Boolean);
  return candidates.find((d) => isEdk2Tree(d));
}

// The bundled entry points (dist/ in the .vsix) or the tsc outputs (out/) in a development tree.
export function productFile(extensionPath: string, bundled: string, compiled: string): string | undefined {
  for (const rel of [bundled, compiled]) {
    const f = path.join(extensionPath, rel);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

export function cliEntry(extensionPath: string): string | undefined {
  return productFile(extensionPath, 'dist/cli.js', 'out/extension/src/cli/main.js');
}

export function adapterEntry(extensionPath: string): string | undefined {
  return productFile(extensionPath, 'dist/debugAdapter.js', 'out/debug-adapter/src/main.js');
}
