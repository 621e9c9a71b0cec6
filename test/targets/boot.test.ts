// The boot side against real emulators and Debian's OVMF: QMP on a real QEMU, the driver booted by
// its loader under QEMU TCG and Bochs through `uefi-hv boot`, the shell driven through the console,
// and every way a boot can go wrong ending in one clear line with nothing left behind.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureStandaloneBuild } from '../../extension/src/cli/driverImages';
import { launch, Target, TargetExit, TargetReset } from '../../extension/src/target/launcher';
import { loadProfiles } from '../../extension/src/target/profiles';
import { QmpEvent } from '../../extension/src/target/qmp';
import { CliRun, pgrep, privateTmp, processAlive } from './cliRun';

const BANNER =
  /hv: \d+\.\d{6} cpu0 INFO {2}uefi-hv \S+ loaded at 0x[0-9a-f]+ \(size 0x[0-9a-f]+\), (\d+) CPUs\n/;

// Nothing of the run may survive it: no emulator process, no run folder.
// A SIGKILLed group takes a moment to vanish from /proc: allow 2 s, then a survivor is a leak.
async function assertNothingLeft(pid: number, runDir: string): Promise<void> {
  for (let i = 0; i < 20 && (processAlive(pid) || pgrep(runDir).length || fs.existsSync(runDir)); i++)
    await sleep(100);
  assert.strictEqual(processAlive(pid), false, `emulator pid ${pid} still alive`);
  assert.deepStrictEqual(pgrep(runDir), [], 'no process mentions the run folder');
  assert.strictEqual(fs.existsSync(runDir), false, `run folder ${runDir} removed`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function lastLine(run: CliRun): string {
  return run.stderrLines[run.stderrLines.length - 1];
}

describe('boot targets (real QEMU, Bochs, OVMF)', function () {
  this.timeout(240_000);

  before(async () => {
    await ensureStandaloneBuild((l) => console.log(l));
  });

  describe('QMP against a real QEMU', () => {
    let target: Target;
    const events: QmpEvent[] = [];

    it('starts QEMU TCG on the bare firmware and answers query-status', async () => {
      const profile = loadProfiles().get('qemu-tcg');
      target = await launch({ profile, esp: {} });
      target.qmpClient!.on('event', (e: QmpEvent) => events.push(e));
      const status = await target.qmpClient!.execute<{ status: string; running: boolean }>('query-status');
      assert.deepStrictEqual(
        { status: status.status, running: status.running },
        { status: 'running', running: true },
      );
      // Round trip figure for the report (printed, never asserted).
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = process.hrtime.bigint();
        await target.qmpClient!.execute('query-status');
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      console.log(
        `      QMP query-status round trip: median ${times[10].toFixed(2)} ms, max ${times[19].toFixed(2)} ms`,
      );
    });

    it('stop and cont change the run state and raise STOP / RESUME', async () => {
      const qmp = target.qmpClient!;
      await qmp.execute('stop');
      assert.strictEqual((await qmp.execute<{ status: string }>('query-status')).status, 'paused');
      await qmp.execute('cont');
      assert.strictEqual((await qmp.execute<{ status: string }>('query-status')).status, 'running');
      const names = events.map((e) => e.event);
      assert.ok(
        names.indexOf('STOP') >= 0 && names.indexOf('RESUME') > names.indexOf('STOP'),
        names.join(','),
      );
    });

    it('system_reset raises RESET, seen by the launcher as a host reset', async () => {
      const seen = new Promise<TargetReset>((r) => target.once('reset', r));
      await target.reset();
      const reset = await seen;
      assert.strictEqual(reset.initiator, 'host');
      const ev = events.find((e) => e.event === 'RESET');
      assert.deepStrictEqual(ev?.data, { guest: false, reason: 'host-qmp-system-reset' });
    });

    it('quit ends QEMU with SHUTDOWN; the run folder and process are gone', async () => {
      const exited = new Promise<TargetExit>((r) => target.once('exit', r));
      await target.qmpClient!.execute('quit').catch(() => undefined); // the reply may race the close
      const exit = await exited;
      assert.strictEqual(exit.reason, 'stopped');
      assert.strictEqual(events.find((e) => e.event === 'SHUTDOWN')?.data?.reason, 'host-qmp-quit');
      await assertNothingLeft(target.pid, target.runDir);
    });
  });

  // One boot per emulator serves every assertion. Both start the driver through the loader and
  // again through the shell's `load`; what follows depends on VT-x:
  // - Bochs (emulated VT-x): the loader's instance runs the hypervisor. The test reads its handle
  //   from `dh -p LoadedImage` and types `unload -n <handle>` (an nsh script cannot capture a
  //   handle: no command substitution, and `load` prints none), then `load`s the driver again (the
  //   hypervisor restarts without a reboot), unloads that one too, and powers off with `reset -s`.
  // - QEMU TCG (no VMX): the driver prints its banner, says why it cannot run and returns
  //   EFI_UNSUPPORTED; the loader reports that it declined, the firmware boots on, and the shell's
  //   `load` gets the same answer. Nothing stays loaded, so there is nothing to unload.
  function assertInOrder(text: string, steps: RegExp[]): void {
    let at = 0;
    for (const re of steps) {
      const m = new RegExp(re.source, 'm').exec(text.slice(at));
      assert.ok(m, `after offset ${at}: ${re}\n${text.slice(at, at + 2000)}`);
      at += m.index + m[0].length;
    }
  }

  // The handle of the one loaded HvDxe.efi in the last `dh -p LoadedImage` listing, once a prompt follows it.
  // `from`: console offset before the `dh` was typed, so an older listing followed by a prompt
  // (the shell's answer to the previous command) is never taken for the new one.
  function driverHandle(run: CliRun, bootMs: number, from = 0): Promise<string> {
    return run.until(
      'dh -p LoadedImage listing and a prompt',
      () => {
        const text = run.console.slice(from);
        const at = text.lastIndexOf('dh -p LoadedImage');
        if (at < 0) return undefined;
        const list = text.slice(at);
        const handles = [
          ...list.matchAll(/^\s*([0-9A-F]+): .*LoadedImage\(\\EFI\\uefi-hv\\HvDxe\.efi\)/gm),
        ].map((m) => m[1]);
        return handles.length === 1 && /Shell> $/.test(list) ? handles[0] : undefined;
      },
      bootMs,
    );
  }

  async function bootRun(
    profile: string,
    cpus: number,
    bootMs: number,
    startup: string,
    extra: string[] = [],
  ) {
    const tmp = privateTmp();
    const serialLog = path.join(tmp, 'serial.log');
    const run = new CliRun(
      [
        'boot',
        '--profile',
        profile,
        '--cpus',
        String(cpus),
        '--timeout',
        String(bootMs / 1000 + 90),
        '--serial-log',
        serialLog,
        '--startup-nsh',
        startup,
        ...extra,
      ],
      { ...process.env, TMPDIR: tmp },
    );
    const { pid, runDir } = await run.started();
    assert.ok(runDir.startsWith(tmp), runDir);
    const t0 = Date.now();
    const banner = await run.waitConsole(BANNER, bootMs);
    console.log(`      ${profile}: banner after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.strictEqual(Number(banner[1]), cpus, 'the driver counts every CPU');
    const finish = async (): Promise<void> => {
      const end = await run.done;
      assert.strictEqual(end.code, 0, run.stderr);
      assert.strictEqual(lastLine(run), 'uefi-hv boot: target powered off (ACPI soft off)');
      assert.strictEqual(fs.readFileSync(serialLog, 'latin1'), run.stdout, 'serial log = console bytes');
      await assertNothingLeft(pid, runDir);
    };
    const cleanup = (): void => {
      run.child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    };
    return { run, finish, cleanup };
  }

  it('bochs: loader starts the hypervisor; shell unload, load again, unload; power-off (2 CPUs)', async () => {
    const bootMs = 150_000;
    const { run, finish, cleanup } = await bootRun('bochs', 2, bootMs, 'dh -p LoadedImage');
    try {
      await run.waitConsole(/uefi-hv loader: HvDxe\.efi started \(uefi-hv \S+\)\n/, 30_000);
      const first = await driverHandle(run, bootMs);
      run.type(`unload -n ${first}\r`);
      await run.waitConsole(/Unload - Handle \[[0-9A-F]+\] Result Success\./, 60_000);
      run.type('load fs0:\\EFI\\uefi-hv\\HvDxe.efi\r');
      await run.waitConsole(
        /Image '[Ff][Ss]0:\\EFI\\uefi-hv\\HvDxe\.efi' loaded at [0-9A-F]+ - Success/,
        90_000,
      );
      const before = run.console.length;
      run.type('dh -p LoadedImage\r');
      const second = await driverHandle(run, bootMs, before);
      run.type(`unload -n ${second}\r`);
      await run.until(
        'the second unload',
        () =>
          (run.console.match(/Unload - Handle \[[0-9A-F]+\] Result Success\./g) ?? []).length === 2 ||
          undefined,
        60_000,
      );
      run.type('reset -s\r');
      await finish();
      const unloaded = /hv: \d+\.\d{6} cpu0 INFO {2}uefi-hv unloaded \(\d+ pages freed\)/;
      assertInOrder(run.console, [
        BANNER, // the loader's StartImage
        /hypervisor running on 2 CPUs/,
        /uefi-hv loader: HvDxe\.efi started/,
        new RegExp(`unload -n ${first}`),
        /hypervisor stopped on 2 CPUs/,
        unloaded,
        /Unload - Handle \[[0-9A-F]+\] Result Success\./,
        BANNER, // the driver's entry runs inside `load`, before the shell reports it
        /hypervisor running on 2 CPUs/,
        /Image '[Ff][Ss]0:\\EFI\\uefi-hv\\HvDxe\.efi' loaded at [0-9A-F]+ - Success/,
        new RegExp(`unload -n ${second}`),
        /hypervisor stopped on 2 CPUs/,
        unloaded,
        /Unload - Handle \[[0-9A-F]+\] Result Success\./,
        /reset -s/,
      ]);
    } finally {
      cleanup();
    }
  });

  // Third way in: a Driver#### option. The first boot's \startup.nsh adds it with `bcfg` and resets
  // (allowed once by --resets); the firmware then starts the driver itself, before the boot manager
  // loads the boot option, and the second boot's script finds its marker file and powers off.
  it('qemu-tcg: no VMX, the driver declines from the loader, the shell and a Driver#### option; power-off (2 CPUs)', async () => {
    const script = [
      'load fs0:\\EFI\\uefi-hv\\HvDxe.efi',
      'if exist fs0:\\EFI\\uefi-hv\\driver-option.txt then',
      '  bcfg driver dump',
      '  reset -s',
      'endif',
      'bcfg driver add 0 fs0:\\EFI\\uefi-hv\\HvDxe.efi "uefi-hv"',
      'echo added > fs0:\\EFI\\uefi-hv\\driver-option.txt',
      'reset',
    ].join('\n');
    const { run, finish, cleanup } = await bootRun('qemu-tcg', 2, 60_000, script, ['--resets', '1']);
    const declined = [
      BANNER,
      /cpu0 ERROR hypervisor not started: no VMX \(CPUID\.1:ECX\.VMX = 0\)/,
      /cpu0 ERROR uefi-hv not started \(Unsupported\): the firmware boots on without it/,
    ];
    try {
      await finish();
      assertInOrder(run.console, [
        ...declined, // the loader's StartImage
        /uefi-hv loader: \\EFI\\uefi-hv\\HvDxe\.efi declined this machine: Unsupported/,
        /load fs0:\\EFI\\uefi-hv\\HvDxe\.efi/, // \startup.nsh
        ...declined,
        /Image '[Ff][Ss]0:\\EFI\\uefi-hv\\HvDxe\.efi' error in StartImage: Unsupported/,
        /bcfg: Add Driver0000 as 0/,
        /Shell> \S*reset\r?\n/,
        ...declined, // Driver0000, started by the firmware...
        /BdsDxe: loading Boot\d{4}/, // ...before the boot manager loads the boot option
        ...declined,
        /uefi-hv loader: \\EFI\\uefi-hv\\HvDxe\.efi declined this machine: Unsupported/,
        /Variable: \S*Driver0000/,
        /reset -s/,
      ]);
      assert.match(run.stderr, /target reset 1 of 1 allowed \(QEMU reset \(guest-reset\)\); running on/);
      assert.ok(!/Result Success/.test(run.console), 'nothing was left loaded to unload');
    } finally {
      cleanup();
    }
  });

  describe('bad input and broken runs: one clear line, non-zero, nothing left', () => {
    let tmp: string;
    beforeEach(() => (tmp = privateTmp()));
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    async function failFast(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
      const run = new CliRun(['boot', ...args], { ...process.env, TMPDIR: tmp, ...env });
      const end = await run.done;
      assert.strictEqual(end.code, 2, run.stderr);
      assert.strictEqual(run.stderrLines.length, 1, run.stderr);
      assert.strictEqual(run.stdout, '');
      assert.deepStrictEqual(fs.readdirSync(tmp), [], 'nothing started, no run folder');
      return run;
    }

    it('missing emulator binary names the apt line', async () => {
      // A PATH with every other tool the boot needs, but no Bochs.
      const bin = path.join(os.tmpdir(), `uefi-hv-path-${process.pid}`);
      fs.mkdirSync(bin, { recursive: true });
      try {
        for (const tool of ['mkfs.fat', 'mcopy', 'mmd', 'qemu-system-x86_64', 'make']) {
          const real = ['/usr/bin', '/usr/sbin', '/sbin', '/bin']
            .map((d) => path.join(d, tool))
            .find((p) => fs.existsSync(p));
          if (real) fs.symlinkSync(real, path.join(bin, tool));
        }
        const run = await failFast(['--profile', 'bochs', '--no-driver'], { PATH: bin });
        assert.strictEqual(
          run.stderrLines[0],
          'uefi-hv boot: profile bochs cannot run here: bochs-bin is not on PATH (install it: sudo apt-get install bochs bochsbios vgabios)',
        );
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });

    it('missing OVMF (override pointing nowhere)', async () => {
      const run = await failFast(['--profile', 'qemu-tcg', '--no-driver', '--ovmf', '/nowhere/OVMF.fd']);
      assert.strictEqual(run.stderrLines[0], 'uefi-hv boot: OVMF override /nowhere/OVMF.fd does not exist');
    });

    it('malformed profile file names the file and the JSON path', async () => {
      const dir = path.join(tmp, '..', `uefi-hv-profiles-${process.pid}`);
      fs.mkdirSync(dir, { recursive: true });
      try {
        fs.writeFileSync(
          path.join(dir, 'mine.json'),
          JSON.stringify({ name: 'mine', extends: 'bochs', description: 'x', cpus: 'two' }),
        );
        const run = await failFast(['--profile', 'mine', '--profiles-dir', dir, '--no-driver']);
        assert.strictEqual(
          run.stderrLines[0],
          `uefi-hv boot: ${path.join(dir, 'mine.json')}: /cpus: must be integer`,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('unknown profile and a driver file that does not exist', async () => {
      let run = await failFast(['--profile', 'qemu-nope']);
      assert.strictEqual(
        run.stderrLines[0],
        "uefi-hv boot: unknown profile 'qemu-nope' (have: bochs, qemu-kvm, qemu-tcg)",
      );
      run = await failFast(['--profile', 'qemu-tcg', '--driver', '/nowhere/HvDxe.efi']);
      assert.strictEqual(run.stderrLines[0], 'uefi-hv boot: driver /nowhere/HvDxe.efi does not exist');
    });

    it('a driver that fails to load: the loader prints the status, boot ends with status 7', async () => {
      const garbage = path.join(os.tmpdir(), `uefi-hv-garbage-${process.pid}.efi`);
      fs.writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
      try {
        const run = new CliRun(['boot', '--profile', 'qemu-tcg', '--driver', garbage, '--timeout', '150'], {
          ...process.env,
          TMPDIR: tmp,
        });
        const { pid, runDir } = await run.started();
        const end = await run.done;
        assert.strictEqual(end.code, 7, `${run.stderr}\n--- console tail\n${run.console.slice(-3000)}`);
        const seen = `${run.stderr}\n--- console tail\n${run.console.slice(-3000)}`;
        assert.match(
          run.console,
          /uefi-hv loader: cannot load \\EFI\\uefi-hv\\HvDxe\.efi: \S.* \(status 0x8[0-9a-f]{15}\)/,
          seen,
        );
        assert.match(
          lastLine(run),
          /^uefi-hv boot: driver failed to load: uefi-hv loader: cannot load \\EFI\\uefi-hv\\HvDxe\.efi: .+ \(status 0x8[0-9a-f]{15}\)$/,
          seen,
        );
        await assertNothingLeft(pid, runDir);
      } finally {
        fs.rmSync(garbage, { force: true });
      }
    });

    it('the emulator killed mid-boot (kill -9): status 4, one line, nothing left', async () => {
      const run = new CliRun(['boot', '--profile', 'bochs', '--no-driver', '--timeout', '120'], {
        ...process.env,
        TMPDIR: tmp,
      });
      const { pid, runDir } = await run.started();
      await sleep(2000); // Bochs is in the firmware's PEI/DXE phase by now
      process.kill(pid, 'SIGKILL');
      const end = await run.done;
      assert.strictEqual(end.code, 4, run.stderr);
      assert.match(lastLine(run), /^uefi-hv boot: emulator died: Bochs ended \(SIGKILL\)/);
      await assertNothingLeft(pid, runDir);
    });

    it('SIGINT / SIGTERM to uefi-hv stop the emulator (130 / 143), nothing left', async () => {
      for (const [signal, code] of [
        ['SIGINT', 130],
        ['SIGTERM', 143],
      ] as [NodeJS.Signals, number][]) {
        const run = new CliRun(['boot', '--profile', 'qemu-tcg', '--no-driver', '--timeout', '120'], {
          ...process.env,
          TMPDIR: tmp,
        });
        const { pid, runDir } = await run.started();
        await sleep(1000);
        run.child.kill(signal);
        const end = await run.done;
        assert.strictEqual(end.code, code, run.stderr);
        assert.strictEqual(lastLine(run), `uefi-hv boot: interrupted (${signal}); emulator stopped`);
        await assertNothingLeft(pid, runDir);
      }
      assert.deepStrictEqual(fs.readdirSync(tmp), []);
    });

    it('uefi-hv itself killed with SIGKILL: its watchdog kills the emulator and removes the run folder', async () => {
      const run = new CliRun(['boot', '--profile', 'qemu-tcg', '--no-driver', '--timeout', '120'], {
        ...process.env,
        TMPDIR: tmp,
      });
      const { pid, runDir } = await run.started();
      run.child.kill('SIGKILL');
      await run.done;
      // The watchdog polls once a second.
      for (let i = 0; i < 50 && (processAlive(pid) || fs.existsSync(runDir)); i++) await sleep(200);
      await assertNothingLeft(pid, runDir);
    });

    // QEMU reports a reset on QMP; Bochs has no control channel and the launcher reads its log.
    for (const [profile, detail] of [
      ['qemu-tcg', 'QEMU reset (guest-reset)'],
      ['bochs', 'Bochs machine reset (HARDWARE)'],
    ]) {
      it(`the target resets itself under ${profile}: status 5`, async () => {
        const run = new CliRun(
          ['boot', '--profile', profile, '--no-driver', '--timeout', '200', '--startup-nsh', 'reset'],
          {
            ...process.env,
            TMPDIR: tmp,
          },
        );
        const { pid, runDir } = await run.started();
        const end = await run.done;
        assert.strictEqual(end.code, 5, run.stderr);
        assert.strictEqual(lastLine(run), `uefi-hv boot: target reset: ${detail}`);
        await assertNothingLeft(pid, runDir);
      });
    }

    it('timeout: status 3 with the reason', async () => {
      const run = new CliRun(
        ['boot', '--profile', 'qemu-tcg', '--no-driver', '--timeout', '3', '--until', 'never-printed'],
        {
          ...process.env,
          TMPDIR: tmp,
        },
      );
      const { pid, runDir } = await run.started();
      const end = await run.done;
      assert.strictEqual(end.code, 3, run.stderr);
      assert.strictEqual(lastLine(run), 'uefi-hv boot: timed out after 3 s waiting for /never-printed/');
      await assertNothingLeft(pid, runDir);
    });
  });
});
