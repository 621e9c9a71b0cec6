// Bundles the extension, the CLI and (when present) the debug adapter into dist/ with esbuild:
// one file each, `vscode` left external, minified. `vsce package` runs this (vscode:prepublish).
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  extension: 'extension/src/extension.ts',
  cli: 'extension/src/cli/main.ts',
  debugAdapter: 'debug-adapter/src/main.ts',
};
const entryPoints = {};
for (const [out, src] of Object.entries(entries)) {
  if (fs.existsSync(path.join(root, src))) entryPoints[out] = path.join(root, src);
  else console.warn(`bundle: ${src} does not exist yet; dist/${out}.js not built`);
}
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const started = Date.now();
const result = await esbuild.build({
  entryPoints,
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  minify: process.argv.includes('--dev') ? false : true,
  keepNames: true, // error names (LaunchError, ProfileError...) are shown to users
  sourcemap: process.argv.includes('--dev') ? 'inline' : false,
  metafile: true,
  logLevel: 'warning',
});
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`bundle: ${file} ${(info.bytes / 1024).toFixed(1)} KiB`);
}
console.log(`bundle: done in ${Date.now() - started} ms`);
