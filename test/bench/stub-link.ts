// Benchmark: the debug link's budget. Prints
//   1. the stub's figures (hv-driver `make stub-bench`): bytes on the wire per exchange, with
//      run-length encoding and acks, and the time at 115200 baud;
//   2. round trips of the whole VMCS (qHv.vmcs) between our RspClient and the stub's real session
//      loop on the host over a pipe (build/host/stub_host, canned target): the cost of everything
//      but the serial line itself, to set against the line time of (1).
//   node out/test/bench/stub-link.js      (after `npx tsc -p .`)
import { execFileSync, spawn } from 'child_process';
import * as path from 'path';
import { RspClient } from '../../debug-adapter/src/rsp/client';
import { decodeVmcsAll, hvRequest } from '../../debug-adapter/src/rsp/hvPackets';

const ROUNDS = Number(process.env.HV_BENCH_ROUNDS ?? 200);

async function main(): Promise<void> {
  const driverDir = path.resolve(__dirname, '../../../hv-driver');
  execFileSync('make', ['-s', '-C', driverDir, 'stub-bench', 'stub-host'], { stdio: 'inherit' });
  const child = spawn(path.join(driverDir, 'build/host/stub_host'), [], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const client = new RspClient((b) => child.stdin.write(b));
  child.stdout.on('data', (d: Buffer) => client.receive(d));
  try {
    let fields = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) fields = decodeVmcsAll(await client.request(hvRequest.vmcsAll())).size;
    const us = Number(process.hrtime.bigint() - t0) / 1000 / ROUNDS;
    console.log(
      `whole VMCS over a pipe: ${ROUNDS} round trips, ${fields} fields each, ${us.toFixed(0)} us per round trip`,
    );
    await client.request('D');
  } finally {
    client.close();
    child.kill();
  }
}

main().catch((e) => {
  console.error(`stub-link bench: ${(e as Error).message}`);
  process.exit(1);
});
