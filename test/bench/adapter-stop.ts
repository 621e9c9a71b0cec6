// Benchmark: what a stop costs the user. The adapter as a process (DebugClient), real gdb:
//   QEMU TCG booting OVMF with our driver (QEMU's gdbstub behind the link proxy), stopped in the
//      driver: per `stepi`, the time from the stopped event to stackTrace + scopes + every scope's
//      variables delivered, and the bytes that crossed the link; link logging off, then on.
//   Bochs (2 CPUs) with the hypervisor's own stub on COM2: the same per `stepi` in the hypervisor,
//      where a stop also brings the Guest scope (qHv.gregs) and the whole VMCS scope (one qHv.vmcs
//      round trip) with every group expanded.
//   node out/test/bench/adapter-stop.js [rounds] [qemu|bochs|all]      (after `npx tsc -p .`)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out/debug-adapter/src/main.js');
const ROUNDS = Number(process.argv[2] ?? 20);
const WHICH = process.argv[3] ?? 'all';
const BOCHS_BOOT_MS = Number(process.env.HV_BENCH_BOOT_TIMEOUT_MS ?? 360_000);

interface Figures {
  ms: number[]; // stopped event -> views delivered
  fromStep: number[]; // step request sent -> views delivered (the step, the stop, and all the adapter prefetched)
  bytes: number[];
}

async function linkBytes(c: DebugClient): Promise<number> {
  const info = (await c.customRequest('hv/info')).body as { link: { toTarget: number; fromTarget: number } };
  return info.link.toTarget + info.link.fromTarget;
}

// One stop: stepi, then what VS Code asks for when it shows a stop, expanding every scope (and the
// VMCS groups, when there is a VMCS scope).
async function measure(
  c: DebugClient,
  threadId: number,
  rounds: number,
  how: 'stepi' | 'none',
): Promise<Figures> {
  const f: Figures = { ms: [], fromStep: [], bytes: [] };
  for (let i = 0; i < rounds; i++) {
    const b0 = await linkBytes(c);
    const tStep = process.hrtime.bigint();
    if (how === 'stepi') {
      const stopped = c.waitForEvent('stopped', 30_000);
      await c.send('stepIn', { threadId, granularity: 'instruction' });
      await stopped;
    }
    const t0 = process.hrtime.bigint();
    const st = await c.stackTraceRequest({ threadId });
    const scopes = await c.scopesRequest({ frameId: st.body.stackFrames[0].id });
    // A scope gdb cannot list (Local where the canned stub target's RIP has no unwind info) still
    // costs its round trips; its error is part of what the user would see.
    const all = await Promise.all(
      scopes.body.scopes.map((s) =>
        c.variablesRequest({ variablesReference: s.variablesReference }).catch(() => undefined),
      ),
    );
    const vmcs = scopes.body.scopes.findIndex((s) => s.name === 'VMCS');
    if (vmcs >= 0)
      await Promise.all(
        all[vmcs]!.body.variables.map((g) =>
          c.variablesRequest({ variablesReference: g.variablesReference }),
        ),
      );
    const t1 = process.hrtime.bigint();
    f.ms.push(Number(t1 - t0) / 1e6);
    f.fromStep.push(Number(t1 - tStep) / 1e6);
    f.bytes.push((await linkBytes(c)) - b0);
  }
  return f;
}

function report(label: string, f: Figures): void {
  const s = [...f.ms].sort((a, b) => a - b);
  const b = [...f.bytes].sort((x, y) => x - y);
  const st = [...f.fromStep].sort((x, y) => x - y);
  const med = (a: number[]): number => a[Math.floor(a.length / 2)];
  console.log(
    `${label.padEnd(44)} stop->views median ${med(s).toFixed(1)} ms (min ${s[0].toFixed(1)}, max ${s[s.length - 1].toFixed(1)}), ` +
      `step->views median ${med(st).toFixed(1)} ms, ` +
      `link bytes per stop median ${med(b)} (max ${b[b.length - 1]})`,
  );
}

async function qemu(linkLog: boolean): Promise<void> {
  const c = new DebugClient('node', ADAPTER, 'uefi-hv');
  await c.start();
  try {
    const stopped = c.waitForEvent('stopped', 240_000);
    await c.launch({
      profile: 'qemu-tcg',
      stopOnEntry: true,
      cwd: ROOT,
      linkLog: linkLog ? path.join(os.tmpdir(), `uefi-hv-bench-link-${process.pid}.log`) : undefined,
    });
    await c.configurationDoneRequest();
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    report(
      `QEMU TCG gdbstub, link log ${linkLog ? 'on ' : 'off'}`,
      await measure(c, ev.body.threadId ?? 1, ROUNDS, 'stepi'),
    );
  } finally {
    await c.stop();
  }
}

// One Bochs boot per case (the link log is a launch attribute); stopOnEntry leaves the target
// where the stub stopped it once the hypervisor ran.
async function bochs(linkLog: boolean): Promise<void> {
  const c = new DebugClient('node', ADAPTER, 'uefi-hv');
  await c.start();
  try {
    const stopped = c.waitForEvent('stopped', BOCHS_BOOT_MS);
    await c.launch({
      profile: 'bochs',
      cpus: 2,
      stopOnEntry: true,
      cwd: ROOT,
      bootTimeout: BOCHS_BOOT_MS,
      requestTimeout: 20_000,
      linkLog: linkLog ? path.join(os.tmpdir(), `uefi-hv-bench-link-${process.pid}.log`) : undefined,
    });
    await c.configurationDoneRequest();
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    report(
      `Bochs uefi-hv stub + VMCS, link log ${linkLog ? 'on ' : 'off'}`,
      await measure(c, ev.body.threadId ?? 1, ROUNDS, 'stepi'),
    );
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} missing: run npx tsc -p . first`);
  console.log(`adapter stop benchmark: ${ROUNDS} stops per case`);
  if (WHICH === 'all' || WHICH === 'qemu') {
    await qemu(false);
    await qemu(true);
  }
  if (WHICH === 'all' || WHICH === 'bochs') {
    await bochs(false);
    await bochs(true);
  }
}

main().catch((e) => {
  console.error(`adapter-stop: ${(e as Error).message}`);
  process.exit(1);
});
