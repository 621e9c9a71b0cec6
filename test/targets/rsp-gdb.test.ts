// The debug stub's protocol against real peers: gdb 13 (plain "target remote") and our own
// TypeScript endpoint, both talking to the stub's real session loop (hv-driver/stub/session.c) run on
// the host over a pipe (build/host/stub_host). The target behind it is the canned fake of the unit
// tests, so this proves protocol conformance (what gdb sends, accepts and does with our replies:
// target description, threads, registers, Z1, step, libraries at the relocated base, monitor,
// Ctrl-C), not the hypervisor: the live stub is tested under Bochs once the VMX core drives it.
import * as assert from 'assert';
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RspEndpoint } from '../../debug-adapter/src/rsp/packet';
import { decodeInfo, decodeStopReply, hvRequest } from '../../debug-adapter/src/rsp/hvPackets';

const ROOT = path.resolve(__dirname, '../../..');
const DRIVER_DIR = path.join(ROOT, 'hv-driver');
const STUB_HOST = path.join(DRIVER_DIR, 'build/host/stub_host');
const DEBUG_DIR = path.join(DRIVER_DIR, 'build/DEBUG');
const GDB_TIMEOUT_MS = Number(process.env.HV_TEST_GDB_TIMEOUT_MS ?? 60000);
const REPLY_TIMEOUT_MS = Number(process.env.HV_TEST_REPLY_TIMEOUT_MS ?? 5000);

describe('debug stub protocol with real peers (host session loop, canned target)', function () {
  let gdbOutput = '';

  before(function () {
    if (spawnSync('gdb', ['--version']).error) {
      throw new Error('gdb is missing: sudo apt-get install -y gdb');
    }
    execFileSync('make', ['-s', '-C', DRIVER_DIR, '-j2', 'stub-host', 'build/DEBUG/HvDxe.debug'], {
      stdio: 'inherit',
    });
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
        'info symbol 0x7e1b000',
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
    // hv_efi_main is at RVA 0x1000 in the real build; the canned target says it loaded at 0x7e1a000.
    assert.match(gdbOutput, /hv_efi_main in section \.text/);
    assert.match(gdbOutput, /\[Inferior 1 \(Remote target\) detached\]/);
  });

  it('our endpoint talks to the stub and stops a running target with Ctrl-C', async () => {
    const child = spawn(STUB_HOST, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const ep = new RspEndpoint((b) => child.stdin.write(b));
      const replies: string[] = [];
      let waiter: ((p: string) => void) | undefined;
      ep.onPacket = (p) => {
        const s = p.toString('latin1');
        if (waiter) {
          const w = waiter;
          waiter = undefined;
          w(s);
        } else replies.push(s);
      };
      child.stdout.on('data', (d: Buffer) => ep.receive(d));
      const next = (): Promise<string> =>
        replies.length
          ? Promise.resolve(replies.shift()!)
          : new Promise((resolve, reject) => {
              const t = setTimeout(() => reject(new Error('no reply from the stub')), REPLY_TIMEOUT_MS);
              waiter = (s) => {
                clearTimeout(t);
                resolve(s);
              };
            });
      await ep.send(hvRequest.info());
      const info = decodeInfo(await next());
      assert.strictEqual(info.cpus, 3);
      assert.strictEqual(info.imageBase, 0x7e1a000n);
      await ep.send('c');
      await new Promise((r) => setTimeout(r, 200)); // running: nothing comes back
      assert.strictEqual(replies.length, 0);
      ep.interrupt();
      const stop = decodeStopReply(await next());
      assert.strictEqual(stop.signal, 2);
      assert.strictEqual(stop.cpu, 0);
      await ep.send('D');
      assert.strictEqual(await next(), 'OK');
    } finally {
      child.kill();
    }
  });
});
