// Bundles the extension, the CLI and (when present) the debug adapter into dist/ with esbuild:
// one file each, `vscode` left external, minified. `vsce package` runs this (vscode:prepublish).
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  extension: 'extension/src/extension.ts',
  targetRuntime: 'extension/src/session/targetRuntime.ts', // loaded on first use, not at activation
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
  plugins: [
    {
      // cdt-gdb-adapter's pty addon (gdb's console in a terminal): shipped next to the bundle as
      // dist/native/*.node and required from there.
      name: 'native-addons',
      setup(b) {
        b.onResolve({ filter: /\.node$/ }, (a) => {
          const from = path.resolve(a.resolveDir, a.path);
          const name = path.basename(from);
          fs.mkdirSync(path.join(root, 'dist', 'native'), { recursive: true });
          fs.copyFileSync(from, path.join(root, 'dist', 'native', name));
          return { path: `./native/${name}`, external: true };
        });
      },
    },
    {
      // serialport (cdt-gdb-adapter imports it at load; used by serial debug links) finds its native
      // binding with node-gyp-build in its package folder, which a bundle does not have. The linux-x64
      // prebuild ships as dist/native/serialport-linux-x64.node; elsewhere the binding is empty and a
      // serial link fails with "Method not implemented" while everything else works.
      name: 'serialport-binding',
      setup(b) {
        b.onLoad({ filter: /@serialport[\\/]bindings-cpp[\\/]dist[\\/]serialport-bindings\.js$/ }, () => {
          const prebuild = path.join(
            root,
            'node_modules/@serialport/bindings-cpp/prebuilds/linux-x64/@serialport+bindings-cpp.glibc.node',
          );
          fs.mkdirSync(path.join(root, 'dist', 'native'), { recursive: true });
          fs.copyFileSync(prebuild, path.join(root, 'dist', 'native', 'serialport-linux-x64.node'));
          return {
            contents: [
              'const path = require("path");',
              'let binding = {};',
              'try {',
              '  binding = require(path.join(__dirname, "native", `serialport-${process.platform}-${process.arch}.node`));',
              '} catch {}',
              'exports.binding = binding;',
            ].join('\n'),
            loader: 'js',
          };
        });
      },
    },
    {
      // lazyRuntime.ts requires ./targetRuntime at run time: keep it a separate file.
      name: 'lazy-target-runtime',
      setup(b) {
        b.onResolve({ filter: /^\.\/targetRuntime$/ }, (a) =>
          a.importer.endsWith('lazyRuntime.ts') ? { path: './targetRuntime.js', external: true } : undefined,
        );
      },
    },
  ],
  minify: process.argv.includes('--dev') ? false : true,
  keepNames: true, // error names (LaunchError, ProfileError...) are shown to users
  sourcemap: process.argv.includes('--dev') ? 'inline' : false,
  metafile: true,
  // The extension measures its activation from here (extension/src/extension.ts).
  banner: { js: '"use strict";const __uefiHvLoadStart = performance.now();' },
  footer: { js: 'const __uefiHvLoadEnd = performance.now();' },
  logLevel: 'warning',
});
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`bundle: ${file} ${(info.bytes / 1024).toFixed(1)} KiB`);
}
console.log(`bundle: done in ${Date.now() - started} ms`);
