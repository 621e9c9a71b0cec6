// Benchmark: the LIVE debug stub inside the hypervisor under Bochs, over the real COM2 link
// (Bochs socket-server -> DebugBridge -> RspClient). One boot to the shell, then prints:
//   - attach: first packet to the stopped target's stop reply + registers (g), ms;
//   - Ctrl-C while running to the stop reply, then registers (g), ms;
//   - the whole VMCS (qHv.vmcs) per round trip, ms and bytes of the reply payload;
//   - single steps through the hypervisor (s), steps/s.
//   node out/test/bench/stub-live.js      (after `npx tsc -p .` and `make -C hv-driver`)
import * as net from 'net';
import * as path from 'path';
import { RspClient } from '../../debug-adapter/src/rsp/client';
import { decodeVmcsAll, hvRequest } from '../../debug-adapter/src/rsp/hvPackets';
import { DebugBridge } from '../../extension/src/target/debugBridge';
import { launch } from '../../extension/src/target/launcher';
import { productRoot } from '../../extension/src/target/paths';
import { loadProfiles } from '../../extension/src/target/profiles';

const ROUNDS = Number(process.env.HV_BENCH_ROUNDS ?? 10);
const STEPS = Number(process.env.HV_BENCH_STEPS ?? 50);
const BOOT_TIMEOUT_MS = Number(process.env.HV_BENCH_BOOT_TIMEOUT_MS ?? 300000);

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const build = path.join(productRoot(), 'hv-driver', 'build', 'DEBUG');
  const base = loadProfiles().get('bochs');
  const profile = { ...base, serial: { ...base.serial, debug: 'com2' as const } };
  const target = await launch({
    profile,
    cpus: 1,
    esp: { loader: path.join(build, 'HvLoader.efi'), driver: path.join(build, 'HvDxe.efi') },
  });
  const bridge = new DebugBridge({ emulatorPort: target.debugPort!, listenPort: 0 });
  let client: RspClient | undefined;
  try {
    const port = await bridge.start();
    let text = '';
    target.console.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const t0 = Date.now();
    while (!/hypervisor running on/.test(text)) {
      if (Date.now() - t0 > BOOT_TIMEOUT_MS) throw new Error('the hypervisor did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const sock = net.createConnection({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    sock.on('error', () => undefined); // the emulator going away at the end resets it
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const c = new RspClient((b) => sock.write(b), { replyTimeoutMs: 20000 });
    client = c;
    sock.on('data', (d: Buffer) => c.receive(d));

    let t = process.hrtime.bigint();
    await c.request('?');
    const g = await c.request('g');
    console.log(`attach: stop reply + registers (${g.length / 2} bytes) in ${ms(t).toFixed(1)} ms`);

    let bytes = 0;
    t = process.hrtime.bigint();
    let fields = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const reply = await c.request(hvRequest.vmcsAll());
      bytes = reply.length;
      fields = decodeVmcsAll(reply).size;
    }
    console.log(
      `whole VMCS: ${fields} fields, ${bytes} payload bytes, ${(ms(t) / ROUNDS).toFixed(1)} ms per round trip (${ROUNDS} rounds)`,
    );

    t = process.hrtime.bigint();
    for (let i = 0; i < STEPS; i++) await c.resume('s', 20000);
    const stepMs = ms(t);
    console.log(
      `single steps through the hypervisor: ${STEPS} in ${stepMs.toFixed(0)} ms, ${((STEPS * 1000) / stepMs).toFixed(1)} steps/s`,
    );

    const running = c.resume('c', 20000);
    await new Promise((r) => setTimeout(r, 500));
    t = process.hrtime.bigint();
    c.interrupt();
    await running;
    const stopMs = ms(t);
    await c.request('g');
    console.log(`Ctrl-C to stop reply: ${stopMs.toFixed(1)} ms; + registers: ${ms(t).toFixed(1)} ms`);
    await c.request('D');
  } finally {
    client?.close();
    await bridge.close();
    await target.stop();
  }
}

main().catch((e) => {
  console.error(`stub-live bench: ${(e as Error).message}`);
  process.exit(1);
});
