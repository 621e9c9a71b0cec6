// Loads targetRuntime on first use. A plain require of a sibling file: tsc's out/ has it next to
// this one, and the bundler keeps it external (dist/targetRuntime.js, see extension/bundle.mjs).
type Runtime = typeof import('./targetRuntime');
let runtime: Runtime | undefined;

export function targetRuntime(): Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  runtime ??= require('./targetRuntime') as Runtime;
  return runtime;
}
