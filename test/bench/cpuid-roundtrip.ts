// Benchmark: cost of a CPUID exit round trip seen from the guest, in guest TSC ticks (Bochs' TSC
// counts emulated instructions: a deterministic path length), plus the time from driver entry to
// all CPUs virtualized. One Bochs boot (2 CPUs):
//   1. HvDxe.efi (loaded by HvLoader) -> HvBench.efi measures "ours", unloads the driver (every CPU
//      devirtualized), measures "bare";
//   2. the shell loads the cpuid-floor build (minimal CPUID exit) -> HvBench.efi measures "floor".
// Prints the figures and the ratio ours/floor (goal: within 1.5x).
//   node out/test/bench/cpuid-roundtrip.js      (after `npx tsc -p .`; HV_BENCH_TARGET=RELEASE for -O2)
import { execFileSync } from 'child_process';
import * as path from 'path';
import { launch, Target } from '../../extension/src/target/launcher';
import { productRoot } from '../../extension/src/target/paths';
import { loadProfiles } from '../../extension/src/target/profiles';

const TIMEOUT_MS = Number(process.env.HV_BENCH_TIMEOUT_MS ?? 480000);
// Build target measured (DEBUG: the tested build, -O1 with frame pointers; RELEASE: -O2).
const TARGET = process.env.HV_BENCH_TARGET ?? 'DEBUG';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

async function main(): Promise<void> {
  const driverDir = path.join(productRoot(), 'hv-driver');
  const targetArg = `TARGET=${TARGET}`;
  execFileSync('make', ['-s', '-C', driverDir, '-j2', targetArg], { stdio: 'inherit' });
  execFileSync('make', ['-s', '-C', driverDir, '-j2', targetArg, 'HV_VARIANT=cpuid-floor'], {
    stdio: 'inherit',
  });
  const build = path.join(driverDir, 'build', TARGET);
  const floor = path.join(driverDir, 'build', `${TARGET}-cpuid-floor`, 'HvDxe.efi');
  const startup = [
    'fs0:\\HvBench.efi',
    'load fs0:\\HvDxeFloor.efi',
    'fs0:\\HvBench.efi',
    'echo bench-done',
    'reset -s',
  ].join('\n');
  let text = '';
  let target: Target | undefined;
  try {
    target = await launch({
      profile: loadProfiles().get('bochs'),
      cpus: 2,
      esp: {
        loader: path.join(build, 'HvLoader.efi'),
        driver: path.join(build, 'HvDxe.efi'),
        startupNsh: startup,
        extra: [
          { dest: '\\HvBench.efi', source: path.join(build, 'HvBench.efi') },
          { dest: '\\HvDxeFloor.efi', source: floor },
        ],
      },
    });
    const t = target;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; console tail:\n${text.slice(-2000)}`)),
        TIMEOUT_MS,
      );
      t.console.on('data', (d: Buffer) => {
        text += d.toString('latin1').replace(ANSI, '');
        if (/bench-done\n/.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void t.exited.then((e) => {
        clearTimeout(timer);
        if (/bench-done\n/.test(text)) resolve();
        else reject(new Error(`target ended (${e.detail}); console tail:\n${text.slice(-2000)}`));
      });
    });
  } finally {
    await target?.stop();
  }

  const per = (variant: string): number | undefined => {
    const m = new RegExp(`guest-bench: cpuid ${variant} n=(\\d+) ticks=(\\d+) per=(\\d+)`).exec(text);
    return m ? Number(m[2]) / Number(m[1]) : undefined;
  };
  const bare = per('bare');
  const ours = per('ours');
  const fl = per('floor');
  const entry =
    /hypervisor running on (\d+) CPUs: (\d+) us from driver entry, VT-x setup (\d+) TSC ticks/.exec(text);
  const unload = /guest-bench: unload (\w+)/.exec(text)?.[1] ?? 'not reported';
  const fmt = (v: number | undefined): string => (v === undefined ? 'missing' : v.toFixed(1));
  console.log(
    `CPUID round trip (${TARGET} build), guest TSC ticks per CPUID (Bochs: ticks = emulated instructions)`,
  );
  console.log(`  bare (no hypervisor)      ${fmt(bare)}`);
  console.log(`  ours (full handler)       ${fmt(ours)}`);
  console.log(`  floor (minimal handler)   ${fmt(fl)}`);
  if (ours !== undefined && fl !== undefined && bare !== undefined) {
    const ratio = (ours - bare) / (fl - bare);
    console.log(`  exit cost ours/floor      ${ratio.toFixed(2)}x (goal <= 1.5x; exit cost = per - bare)`);
    console.log(`  round trip ours/floor     ${(ours / fl).toFixed(2)}x`);
  }
  if (entry) {
    console.log(
      `driver entry to all ${entry[1]} CPUs virtualized: ${entry[2]} us (emulated), VT-x setup ${entry[3]} TSC ticks`,
    );
  }
  console.log(`driver unload (devirtualize every CPU): ${unload}`);
  if (bare === undefined || ours === undefined || fl === undefined) {
    console.log(`a figure is missing; console tail:\n${text.slice(-3000)}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(`cpuid-roundtrip: ${e.message}`);
  process.exitCode = 1;
});
