// The debug stub without VT-x: QEMU TCG (no VMX) with real Debian gdb on the driver's load path
// (debug/boot.c, PROTOCOL.md 8.2). ONE boot through `uefi-hv boot --debug-port N`: the shell sets
// the HvDebugPort variable with a load-path window and loads the driver again (the loader's first
// copy ran without a window and declined); the driver waits on COM2, gdb attaches, lists the one
// thread, loads symbols at the relocated base, edits a register that takes effect, sets a
// breakpoint by function name on the entry path, is interrupted by Ctrl-C while the driver runs
// its window, continues to the breakpoint, steps a line with `next`, and continues to the end:
// the driver declines (no VMX) and gdb sees the program exit with the EFI status, after which the
// firmware goes on and the shell powers off.
import * as assert from 'assert';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { productRoot } from '../../extension/src/target/paths';
import { freePort } from '../../extension/src/target/ports';
import { waitFor } from '../support/processes';
import { gdbAttachLines } from '../support/gdbScript';
import { CliRun, privateTmp } from './cliRun';

const ROOT = productRoot();
const DRIVER_DIR = path.join(ROOT, 'hv-driver');
const BUILD = path.join(DRIVER_DIR, 'build', 'DEBUG');
const BOOT_TIMEOUT_MS = Number(process.env.HV_TEST_QEMU_BOOT_TIMEOUT_MS ?? 120000);
const GDB_TIMEOUT_MS = Number(process.env.HV_TEST_GDB_TIMEOUT_MS ?? 180000);
const WINDOW_S = Number(process.env.HV_TEST_LOAD_WINDOW_S ?? 15);
const INTERRUPT_AFTER_MS = Number(process.env.HV_TEST_INTERRUPT_AFTER_MS ?? 1500);
// HvDebugPort's vendor GUID (hv-driver/include/hv/stub.h).
const VAR_GUID = '5d7c1f5a-3b8e-4c62-9a41-2e6fd017b358';

// The variable's 8 bytes as the shell's setvar takes them: io_port, wait_s, baud (little endian).
function hvDebugPortHex(port: number, waitS: number, baud: number): string {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(port, 0);
  b.writeUInt16LE(waitS, 2);
  b.writeUInt32LE(baud, 4);
  return b.toString('hex');
}

describe('debug stub on the load path under QEMU TCG (no VT-x) with real gdb', function () {
  this.timeout(BOOT_TIMEOUT_MS + GDB_TIMEOUT_MS + 60000);
  let gdbOut = '';
  let run: CliRun | undefined;
  let gdb: ChildProcess | undefined;
  let tmp = '';
  let end: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  before(async function () {
    if (spawnSync('gdb', ['--version']).error) throw new Error('gdb is missing: sudo apt-get install -y gdb');
    execFileSync('make', ['-s', '-C', DRIVER_DIR, '-j2'], { stdio: 'inherit' });
    tmp = privateTmp();
    const port = await freePort();
    const startup = [
      `setvar HvDebugPort -guid ${VAR_GUID} -bs -rt =${hvDebugPortHex(0x2f8, WINDOW_S, 115200)}`,
      'load fs0:\\EFI\\uefi-hv\\HvDxe.efi',
      'reset -s',
    ].join('\n');
    run = new CliRun(
      [
        'boot',
        '--profile',
        'qemu-tcg',
        '--cpus',
        '2',
        '--debug-port',
        String(port),
        '--timeout',
        String(Math.ceil((BOOT_TIMEOUT_MS + GDB_TIMEOUT_MS) / 1000)),
        '--startup-nsh',
        startup,
      ],
      { ...process.env, TMPDIR: tmp },
    );
    const r = run;
    await r.started();
    await r.waitConsole(/debug stub: load path waits \d+ s for a debugger/, BOOT_TIMEOUT_MS);

    const script = path.join(tmp, 'session.gdb');
    fs.writeFileSync(
      script,
      [
        ...gdbAttachLines(BUILD, port),
        'bt 3',
        // A register write at a trap stop takes effect: EAX = 0 makes the `test eax, eax` after
        // the window's int3 set ZF (the event code there is never 0).
        'set var $rax = 0',
        'stepi',
        'echo @@after-write\\n',
        'p/x $eflags & 0x40',
        'break hv_virtualize_all',
        'echo @@running\\n',
        'continue',
        'echo @@stop-intr\\n',
        'bt 3',
        'continue',
        'echo @@stop-bp\\n',
        'info line *$pc',
        'bt 3',
        'next',
        'echo @@after-next\\n',
        'info line *$pc',
        'continue',
        'echo @@end\\n',
      ].join('\n') + '\n',
    );
    gdb = spawn('stdbuf', ['-o0', '-e0', 'gdb', '-nx', '-batch', '-x', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gdb.stdout!.on('data', (d: Buffer) => (gdbOut += d.toString()));
    gdb.stderr!.on('data', (d: Buffer) => (gdbOut += d.toString()));
    const gdbDone = new Promise<void>((res) => gdb!.once('exit', () => res()));
    await waitFor(() => gdbOut, /@@running/, GDB_TIMEOUT_MS, 'gdb at the Ctrl-C step');
    await new Promise((res) => setTimeout(res, INTERRUPT_AFTER_MS));
    gdb.kill('SIGINT');
    await Promise.race([
      gdbDone,
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error(`gdb did not end:\n${gdbOut}`)), GDB_TIMEOUT_MS),
      ),
    ]);
    gdb = undefined;
    end = await r.done;
    if (process.env.HV_TEST_SHOW_GDB) console.log(gdbOut);
  });

  after(() => {
    gdb?.kill('SIGKILL');
    run?.child.kill('SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the driver waits for a debugger on its load path (no VMX here)', () => {
    assert.match(run!.console, /debug stub: load path waits \d+ s for a debugger on I\/O port 0x2f8/);
  });

  it('gdb attaches; the one thread is the BSP on the load path', () => {
    assert.match(gdbOut, /@@attached/);
    assert.match(gdbOut, /\* 1 +Thread 1 \(cpu0 load path, no VMX\)/);
  });

  it('symbols load at the relocated base, and the stop is in the wait loop', () => {
    assert.match(gdbOut, /0x[0-9a-f]+ +0x[0-9a-f]+ +Yes +\S*HvDxe\.debug/);
    const att = gdbOut.split('@@attached')[1] ?? '';
    assert.match(att, /#0 +poll_debugger .* at \S*debug\/boot\.c:\d+/);
    assert.match(att, /#1 +0x[0-9a-f]+ in hv_debug_boot_wait \(\) at \S*debug\/boot\.c:\d+/);
    assert.match(att, /#2 +0x[0-9a-f]+ in hv_efi_main .* at \S*boot\/entry\.c:\d+/);
  });

  it('a register written at a trap stop takes effect when the CPU resumes', () => {
    const part = (gdbOut.split('@@after-write')[1] ?? '').split('@@running')[0];
    assert.match(part, /\$1 = 0x40\b/); // ZF
  });

  it('Ctrl-C stops the running load path (SIGINT in the window)', () => {
    const part = (gdbOut.split('@@running')[1] ?? '').split('@@stop-intr')[0];
    assert.match(part, /received signal SIGINT/);
    const bt = (gdbOut.split('@@stop-intr')[1] ?? '').split('@@stop-bp')[0];
    assert.match(bt, /hv_debug_boot_wait/);
  });

  it('a breakpoint by function name on the entry path is hit, and `next` steps a line', () => {
    assert.match(gdbOut, /Breakpoint 1 at 0x[0-9a-f]+: file \S*vmx\/virtualize\.c, line \d+/);
    const stop = (gdbOut.split('@@stop-bp')[1] ?? '').split('@@after-next')[0];
    assert.match(gdbOut, /Breakpoint 1, (hv_virtualize_all|hv_rdtsc) \(/);
    assert.match(stop, /#\d +0x[0-9a-f]+ in hv_efi_main .* at \S*boot\/entry\.c:\d+/);
    const after = gdbOut.split('@@after-next')[1] ?? '';
    assert.match(after, /Line \d+ of "\S+"/);
  });

  it('continue to the end: the decline reaches gdb as text and an exit code, the firmware goes on', () => {
    const tail = gdbOut.split('@@after-next')[1] ?? '';
    assert.match(tail, /uefi-hv: not started \(Unsupported\): the driver declines and is unloaded/);
    assert.match(tail, /exited with code 03\]/);
    assert.match(run!.console, /Image 'fs0:\\EFI\\uefi-hv\\HvDxe\.efi' error in StartImage: Unsupported/i);
    assert.strictEqual(end?.code, 0, run!.stderr);
    assert.match(run!.stderr, /target powered off \(ACPI soft off\)/);
  });
});
