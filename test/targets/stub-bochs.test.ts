// The debug stub LIVE inside the hypervisor, under Bochs with 2 CPUs, debugged by plain Debian gdb
// through the COM2 bridge (extension/src/target/debugBridge.ts). ONE boot serves every assertion:
// the shell runs the stub target guest app (test/guest/stub_target.c), which waits for our 'g' on
// COM1 (sent when gdb has set its breakpoints), makes a CPUID of a marker leaf, two monitored MSR
// writes and spins; gdb attaches, stops on an exit breakpoint (CPUID leaf), on a hardware breakpoint
// in the CPUID exit handler (by name, at the relocated base), steps with `next`, reads the VMCS,
// stops on an MSR-filtered exit breakpoint, is interrupted by Ctrl-C (SIGINT), and detaches. Then a
// raw client sends malformed packets over the real link and checks the stub still answers.
import * as assert from 'assert';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { encodePacket } from '../../debug-adapter/src/runtime/rspFramer';
import { DebugBridge } from '../../extension/src/target/debugBridge';
import { launch, Target } from '../../extension/src/target/launcher';
import { productRoot } from '../../extension/src/target/paths';
import { loadProfiles } from '../../extension/src/target/profiles';
import { waitFor } from '../support/processes';
import { gdbAttachLines } from '../support/gdbScript';

const ROOT = productRoot();
const DRIVER_DIR = path.join(ROOT, 'hv-driver');
const BUILD = path.join(DRIVER_DIR, 'build', 'DEBUG');
const BOOT_TIMEOUT_MS = Number(process.env.HV_TEST_BOOT_TIMEOUT_MS ?? 360000);
const GDB_TIMEOUT_MS = Number(process.env.HV_TEST_GDB_TIMEOUT_MS ?? 180000);
const RAW_TIMEOUT_MS = Number(process.env.HV_TEST_RAW_TIMEOUT_MS ?? 20000);
const INTERRUPT_AFTER_MS = Number(process.env.HV_TEST_INTERRUPT_AFTER_MS ?? 1500);
const CPUS = 2;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

describe('live debug stub under Bochs (2 CPUs) with real gdb', function () {
  this.timeout(BOOT_TIMEOUT_MS + GDB_TIMEOUT_MS + 120000);
  let consoleText = '';
  let gdbOut = '';
  let rawLog: string[] = [];
  let cpuidRip = 0n;
  let target: Target | undefined;
  let bridge: DebugBridge | undefined;
  let gdb: ChildProcess | undefined;

  before(async function () {
    if (spawnSync('gdb', ['--version']).error) throw new Error('gdb is missing: sudo apt-get install -y gdb');
    execFileSync('make', ['-s', '-C', DRIVER_DIR, '-j2'], { stdio: 'inherit' });
    const base = loadProfiles().get('bochs');
    const profile = { ...base, serial: { ...base.serial, debug: 'com2' as const } };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hv-stub-live-'));
    const goFile = path.join(work, 'go');
    try {
      target = await launch({
        profile,
        cpus: CPUS,
        esp: {
          loader: path.join(BUILD, 'HvLoader.efi'),
          driver: path.join(BUILD, 'HvDxe.efi'),
          startupNsh: 'fs0:\\HvStubTarget.efi\nreset -s\n',
          extra: [{ dest: '\\HvStubTarget.efi', source: path.join(BUILD, 'HvStubTarget.efi') }],
        },
      });
      const t = target;
      t.console.on('data', (d: Buffer) => (consoleText += d.toString('latin1').replace(ANSI, '')));
      if (process.env.HV_TEST_CONSOLE_LOG)
        t.console.pipe(fs.createWriteStream(process.env.HV_TEST_CONSOLE_LOG));
      assert.ok(t.debugPort, 'the bochs profile with debug com2 gives a COM2 port');
      bridge = new DebugBridge({ emulatorPort: t.debugPort!, listenPort: 0 });
      const port = await bridge.start();
      const ready = await waitFor(
        () => consoleText,
        /stub-target: ready cpuid-rip 0x([0-9a-f]+)/,
        BOOT_TIMEOUT_MS,
        'stub target app',
      );
      cpuidRip = BigInt(`0x${ready[1]}`);

      const script = path.join(work, 'session.gdb');
      fs.writeFileSync(
        script,
        [
          ...gdbAttachLines(BUILD, port),
          'maint packet QHv.exitbp:0,a,leaf=4711abcd',
          `shell touch ${goFile}`,
          'continue',
          'echo @@stop-cpuid\\n',
          'bt 8',
          'echo @@bt-end\\n',
          'monitor vmcs 681e 4402',
          'maint packet qHv.gregs',
          // The registers of an exit stop are a snapshot: a change is refused, never ignored.
          'maint packet P0=0100000000000000',
          'echo @@after-refused\\n',
          'maint packet QHv.exitbp.del:0',
          'hbreak hv_exit_cpuid',
          'continue',
          'echo @@stop-handler\\n',
          'info line *$pc',
          'bt 8',
          'echo @@handler-bt-end\\n',
          // Step one CPU while the other stays parked: its exit counters do not move.
          'set scheduler-locking step',
          'maint packet qHv.exits:2',
          'next',
          'echo @@after-next\\n',
          'maint packet qHv.exits:2',
          'info threads',
          'set scheduler-locking off',
          'info line *$pc',
          'monitor vmcs 681e',
          'delete',
          'maint packet QHv.exitbp:1,20,msr=c0000102',
          'continue',
          'echo @@stop-msr\\n',
          'maint packet qHv.gregs',
          'maint packet qHv.exitbp',
          'maint packet QHv.exitbp.del',
          'echo @@running\\n',
          'continue',
          'echo @@stop-intr\\n',
          'info threads',
          'monitor exits',
          'detach',
          'echo @@detached\\n',
        ].join('\n') + '\n',
      );
      // stdbuf: gdb's output as it happens (the test paces itself on it), not at exit.
      gdb = spawn('stdbuf', ['-o0', '-e0', 'gdb', '-nx', '-batch', '-x', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      gdb.stdout!.on('data', (d: Buffer) => (gdbOut += d.toString()));
      gdb.stderr!.on('data', (d: Buffer) => (gdbOut += d.toString()));
      const gdbDone = new Promise<void>((r) => gdb!.once('exit', () => r()));
      // 'g' once gdb has set the exit breakpoint (the guest app waits for it).
      await waitFor(() => (fs.existsSync(goFile) ? 'go' : ''), /go/, GDB_TIMEOUT_MS, 'gdb go file');
      t.write('g');
      await waitFor(() => gdbOut, /@@running/, GDB_TIMEOUT_MS, 'gdb at the Ctrl-C step');
      await new Promise((r) => setTimeout(r, INTERRUPT_AFTER_MS));
      gdb.kill('SIGINT');
      await Promise.race([
        gdbDone,
        new Promise((_, rej) =>
          setTimeout(() => rej(new Error(`gdb did not end:\n${gdbOut}`)), GDB_TIMEOUT_MS),
        ),
      ]);
      gdb = undefined;
      rawLog = await malformedSession(port);
      await waitFor(() => consoleText, /stub-target: done/, BOOT_TIMEOUT_MS, 'stub target end');
    } finally {
      gdb?.kill('SIGKILL');
      await bridge?.close();
      await target?.stop();
      fs.rmSync(work, { recursive: true, force: true });
      if (process.env.HV_TEST_SHOW_GDB) console.log(gdbOut, rawLog.join('\n'));
    }
  });

  // Bad checksum, bad hex, oversized, truncated, unknown: each answered as PROTOCOL.md says, and
  // the stub answers a good packet afterwards, then resumes on D.
  async function malformedSession(port: number): Promise<string[]> {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    let rx = '';
    s.on('data', (d: Buffer) => (rx += d.toString('latin1')));
    await new Promise<void>((r) => s.once('connect', () => r()));
    const log: string[] = [];
    const exchange = async (what: string, bytes: Buffer, expect: RegExp): Promise<void> => {
      const from = rx.length;
      s.write(bytes);
      const m = await waitFor(() => rx.slice(from), expect, RAW_TIMEOUT_MS, what);
      log.push(`${what}: ${JSON.stringify(m[0])}`);
      if (/\$/.test(m[0])) s.write('+');
    };
    await exchange('bad checksum', Buffer.from('$qC#00', 'latin1'), /-/);
    await exchange('bad hex', encodePacket('mzz,4'), /\+\$E01#[0-9a-f]{2}/);
    await exchange('oversized', encodePacket('m' + '0'.repeat(5000)), /\+\$E02#[0-9a-f]{2}/);
    // A packet cut before its '#': the next '$' restarts, the good packet behind it is served.
    await exchange(
      'truncated then good',
      Buffer.concat([Buffer.from('$qC'), encodePacket('qC')]),
      /\$QC[0-9a-f]+#[0-9a-f]{2}/,
    );
    await exchange('unknown', encodePacket('qNoSuchThing'), /\+\$#00/);
    await exchange('still answers', encodePacket('qHv.info'), /\$proto:1;[^#]*#[0-9a-f]{2}/);
    await exchange('detach', encodePacket('D'), /\$OK#9a/);
    s.destroy();
    return log;
  }

  after(async () => {
    gdb?.kill('SIGKILL');
    await bridge?.close();
    await target?.stop();
  });

  it('gdb attaches and lists every CPU as a thread', () => {
    assert.match(gdbOut, /@@attached/);
    assert.match(gdbOut, /Thread 1 \(cpu0 [a-z]+\)/);
    assert.match(gdbOut, /Thread 2 \(cpu1 [a-z]+\)/);
  });

  it('symbols load at the relocated base from qXfer:libraries', () => {
    assert.match(gdbOut, /0x[0-9a-f]+ +0x[0-9a-f]+ +Yes +\S*HvDxe\.debug/);
  });

  it('an exit breakpoint on the CPUID leaf stops with GUEST_RIP at the guest CPUID', () => {
    const stop = gdbOut.split('@@stop-cpuid')[1] ?? '';
    const rip = /0x681e\s+\S+\s*=\s*0x([0-9a-f]+)/i.exec(stop);
    assert.ok(rip, `no GUEST_RIP line after the stop:\n${stop.slice(0, 2000)}`);
    assert.strictEqual(BigInt(`0x${rip[1]}`), cpuidRip);
    assert.match(stop, /rax:4711abcd;/);
  });

  it('a hardware breakpoint by name stops in the CPUID exit handler and `next` steps a line', () => {
    const part = gdbOut.split('@@stop-handler')[1] ?? '';
    assert.match(gdbOut, /Hardware assisted breakpoint \d+ at 0x[0-9a-f]+: file .*cpuid\.c/);
    assert.match(part, /Line \d+ of ".*cpuid\.c"/);
    const after = gdbOut.split('@@after-next')[1] ?? '';
    assert.match(after, /Line \d+ of ".*cpuid\.c"/);
  });

  it('bt from an exit stop reaches the dispatcher and ends at the VM-exit entry', () => {
    const bt = (gdbOut.split('@@stop-cpuid')[1] ?? '').split('@@bt-end')[0];
    assert.match(bt, /#0 +exit_stop /);
    assert.match(bt, /#\d +0x[0-9a-f]+ in hv_debug_on_exit /);
    assert.match(bt, /#\d +0x[0-9a-f]+ in hv_exit_dispatch /);
    assert.match(bt, /#\d +0x[0-9a-f]+ in hv_vmx_exit_entry /);
    assert.doesNotMatch(bt.split('hv_vmx_exit_entry')[1] ?? '', /#\d+ /, 'nothing past the entry');
  });

  it('bt from a breakpoint in a handler reaches the dispatcher and the entry', () => {
    const bt = (gdbOut.split('@@stop-handler')[1] ?? '').split('@@handler-bt-end')[0];
    assert.match(bt, /#0 +hv_exit_cpuid /);
    assert.match(bt, /#\d +0x[0-9a-f]+ in hv_exit_dispatch /);
    assert.match(bt, /#\d +0x[0-9a-f]+ in hv_vmx_exit_entry /);
  });

  it('a register change at an exit stop is refused with E0d (a snapshot, not a frame)', () => {
    const part = (gdbOut.split('@@bt-end')[1] ?? '').split('@@after-refused')[0];
    assert.match(part, /received: "E0d"/);
  });

  it('a single-CPU step (scheduler-locking step) keeps the other CPU parked', () => {
    const before = (gdbOut.split('@@handler-bt-end')[1] ?? '').split('@@after-next')[0];
    const after = gdbOut.split('@@after-next')[1] ?? '';
    const counts = (t: string): string | undefined => /received: "([0-9a-f=,]+)"/.exec(t)?.[1];
    assert.ok(counts(before), `no cpu1 exit counters before the step:\n${before}`);
    assert.strictEqual(counts(after), counts(before), 'cpu1 took no VM exit during the step');
    assert.match(after, /2 +Thread 2 \(cpu1 guest\) .* park \(/);
  });

  it("the guest's DR0-3/DR6/DR7 survive the host's hardware breakpoint in its CPUID exit", () => {
    const before = /stub-target: dr-before ([0-9a-f ]+)/.exec(consoleText);
    const after = /stub-target: dr-after ([0-9a-f ]+)/.exec(consoleText);
    assert.ok(before && after, 'the guest printed its debug registers');
    assert.match(before[1], /^5a5a1000 5a5a2000 5a5a3000 5a5a4000 /);
    assert.strictEqual(after[1].trim(), before[1].trim());
  });

  it('an exit breakpoint filtered to one MSR stops only on that MSR', () => {
    const part = gdbOut.split('@@stop-msr')[1] ?? '';
    assert.match(part, /rcx:c0000102;/);
    assert.match(part, /1,20,msr=c0000102,hits=1/);
  });

  it('Ctrl-C stops the running target', () => {
    const part = gdbOut.split('@@stop-intr')[0].split('@@running')[1] ?? '';
    assert.match(part, /SIGINT/);
    assert.match(gdbOut, /@@detached/);
  });

  it('malformed packets over the real link are refused and the stub still answers', () => {
    assert.strictEqual(rawLog.length, 7, rawLog.join('\n'));
  });

  it('the guest runs to the end after detach', () => {
    assert.match(consoleText, /stub-target: done/);
  });
});
