// The debug stub's protocol against real peers: gdb 13 (plain "target remote") and our own
// TypeScript endpoint, both talking to the stub's real session loop (hv-driver/stub/session.c) run on
// the host over a pipe (build/host/stub_host). The target behind it is the canned fake of the unit
// tests, so this proves protocol conformance (what gdb sends, accepts and does with our replies:
// target description, threads, registers, Z1, step, libraries at the relocated base, monitor,
// Ctrl-C through RspClient), not the hypervisor: the live stub is tested under Bochs once the VMX core drives it.
import * as assert from 'assert';
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RspClient } from '../../debug-adapter/src/rsp/client';
import { decodeInfo, hvRequest } from '../../debug-adapter/src/rsp/hvPackets';

const ROOT = path.resolve(__dirname, '../../..');
const DRIVER_DIR = path.join(ROOT, 'hv-driver');
const STUB_HOST = path.join(DRIVER_DIR, 'build/host/stub_host');
const DEBUG_DIR = path.join(DRIVER_DIR, 'build/DEBUG');
const GDB_TIMEOUT_MS = Number(process.env.HV_TEST_GDB_TIMEOUT_MS ?? 60000);
const REPLY_TIMEOUT_MS = Number(process.env.HV_TEST_REPLY_TIMEOUT_MS ?? 5000);

// The canned target says the image loaded at 0x7e1a000 with its lowest section at 0x7e1b000.
const LOAD_BASE = 0x7e1a000n;

/** RVA of a symbol in the real HvDxe.debug (linked at base 0: addresses are RVAs). */
function rvaOf(symbol: string): bigint {
  const nm = execFileSync('llvm-nm', [path.join(DEBUG_DIR, 'HvDxe.debug')], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) T ${symbol}$`, 'm').exec(nm);
  if (!m) throw new Error(`${symbol} not found in HvDxe.debug`);
  return BigInt(`0x${m[1]}`);
}

describe('debug stub protocol with real peers (host session loop, canned target)', function () {
  let gdbOutput = '';
  let entryAddress = 0n;

  before(function () {
    for (const [tool, pkg] of [
      ['gdb', 'gdb'],
      ['llvm-nm', 'llvm'],
      ['llvm-objdump', 'llvm'],
    ]) {
      if (spawnSync(tool, ['--version']).error)
        throw new Error(`${tool} is missing: sudo apt-get install -y ${pkg}`);
    }
    execFileSync('make', ['-s', '-C', DRIVER_DIR, '-j2', 'stub-host', 'build/DEBUG/HvDxe.debug'], {
      stdio: 'inherit',
    });
    // The fake reports the lowest section at base + 0x1000, where lld puts .text: check it holds.
    const sections = execFileSync('llvm-objdump', ['-h', path.join(DEBUG_DIR, 'HvDxe.debug')], {
      encoding: 'utf8',
    });
    const first = /^\s*0\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)/m.exec(sections);
    assert.strictEqual(
      first && BigInt(`0x${first[1]}`),
      0x1000n,
      'lowest section of HvDxe.debug not at RVA 0x1000',
    );
    entryAddress = LOAD_BASE + rvaOf('hv_efi_main');
    const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hv-gdb-')), 'session.gdb');
    fs.writeFileSync(
      script,
      [
        'set pagination off',
        'set confirm off',
        'set sysroot',
        `set solib-search-path ${DEBUG_DIR}`,
        `target remote | ${STUB_HOST}`,
        'info threads',
        'info registers rip',
        'p/x $cr3',
        'x/4xb 0x1000',
        'monitor cpus',
        'maint packet qHv.vmcs:4402,6400,681e',
        'thread 2',
        'stepi',
        'info registers rip',
        'thread 1',
        'hbreak *0x7e1b240',
        'continue',
        'delete',
        'sharedlibrary',
        'info sharedlibrary',
        `info symbol 0x${(LOAD_BASE + rvaOf('hv_efi_main')).toString(16)}`,
        'detach',
      ].join('\n') + '\n',
    );
    const r = spawnSync('gdb', ['-nx', '-batch', '-x', script], {
      timeout: GDB_TIMEOUT_MS,
      encoding: 'utf8',
    });
    gdbOutput = `${r.stdout}\n${r.stderr}`;
    if (r.error) throw new Error(`gdb: ${r.error.message}\n${gdbOutput}`);
  });

  it('gdb accepts the target description and names the CPUs as threads', () => {
    assert.match(gdbOutput, /\* 1 +Thread 1 \(cpu0 hypervisor\) 0x0000000007e1b234/);
    assert.match(gdbOutput, /2 +Thread 2 \(cpu1 guest\)/);
    assert.match(gdbOutput, /3 +Thread 3 \(cpu2 hypervisor\)/);
    assert.match(gdbOutput, /rip +0x7e1b234/);
    assert.match(gdbOutput, /\$1 = 0x7c01000/); // cr3, from our org.uefi-hv.x86.control feature
  });

  it('gdb reads memory, runs monitor commands and sends hypervisor packets', () => {
    assert.match(gdbOutput, /0x1000:\s+0x03\s+0x0a\s+0x11\s+0x18/);
    assert.match(
      gdbOutput,
      /cpu0 hypervisor \(stopped here\), last exit 10 CPUID\ncpu1 guest, last exit 30 I\/O/,
    );
    assert.match(gdbOutput, /received: "a,0,3e5c1a0"/);
  });

  it('gdb steps one CPU and stops at a hardware breakpoint', () => {
    assert.match(gdbOutput, /0x0000000007e1c001 in \?\? \(\)\nrip +0x7e1c001/);
    assert.match(gdbOutput, /Hardware assisted breakpoint 1 at 0x7e1b240/);
    assert.match(gdbOutput, /Thread 1 hit Breakpoint 1, 0x0000000007e1b240/);
  });

  it('gdb loads HvDxe.debug at the relocated base from qXfer:libraries, no manual offset', () => {
    assert.match(gdbOutput, /0x0000000007e1b000 +0x[0-9a-f]+ +Yes +\S*HvDxe\.debug/);
    // The real build's entry point, asked for at load base + its RVA: gdb names it.
    assert.ok(entryAddress > LOAD_BASE);
    assert.match(gdbOutput, /^hv_efi_main in section \.text$/m);
    assert.match(gdbOutput, /\[Inferior 1 \(Remote target\) detached\]/);
  });

  it('our client talks to the stub, runs a monitor command and stops a running target with Ctrl-C', async () => {
    const child = spawn(STUB_HOST, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const client = new RspClient((b) => child.stdin.write(b), { replyTimeoutMs: REPLY_TIMEOUT_MS });
    child.stdout.on('data', (d: Buffer) => client.receive(d));
    try {
      const info = decodeInfo(await client.request(hvRequest.info()));
      assert.strictEqual(info.cpus, 3);
      assert.strictEqual(info.imageBase, 0x7e1a000n);
      assert.match(await client.monitor('cpus'), /^cpu0 hypervisor \(stopped here\)/);
      const running = client.resume('c');
      let stopped = false;
      void running.then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 200));
      assert.strictEqual(stopped, false, 'the target should run until interrupted');
      client.interrupt();
      const stop = await running;
      assert.strictEqual(stop.signal, 2);
      assert.strictEqual(stop.cpu, 0);
      assert.strictEqual(await client.request('D'), 'OK');
    } finally {
      client.close();
      child.kill();
    }
  });
});
