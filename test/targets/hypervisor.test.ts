// The hypervisor under Bochs (cpu count 2, Debian's OVMF), real from end to end: ONE boot loads
// HvDxe.efi (through HvLoader), then the shell runs the guest test application (test/guest), which
// checks the hypervisor from inside the guest on every CPU, calls ExitBootServices, checks once
// more and powers off. Every `it` reads the same captured console. A second, shorter boot runs a
// driver built with a deliberately broken VMCS (HV_FAULT_INJECT=bad-guest-cr0) and checks that the
// VM entry failure is decoded in the log and the firmware still reaches the shell.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { launch, Target } from '../../extension/src/target/launcher';
import { productRoot } from '../../extension/src/target/paths';
import { loadProfiles } from '../../extension/src/target/profiles';

const ROOT = productRoot();
const DRIVER_DIR = path.join(ROOT, 'hv-driver');
// Emulated boots are slow and the machine is shared: generous, adjustable limits.
const BOOT_TIMEOUT_MS = Number(process.env.HV_TEST_BOOT_TIMEOUT_MS ?? 360000);
const CPUS = 2;

// ANSI escapes and CR from the firmware console, which shares COM1 with the log.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

function make(args: string[]): void {
  execFileSync('make', ['-s', '-C', DRIVER_DIR, '-j2', ...args], { stdio: 'inherit' });
}

// Boots with the given ESP content until `done` matches the console (or the target ends), returns
// the console text (ANSI stripped).
async function bootUntil(
  build: string,
  startupNsh: string,
  done: RegExp,
  extra: { dest: string; source: string }[] = [],
): Promise<string> {
  const profile = loadProfiles().get('bochs');
  let target: Target | undefined;
  let text = '';
  try {
    target = await launch({
      profile,
      cpus: CPUS,
      esp: {
        loader: path.join(build, 'HvLoader.efi'),
        driver: path.join(build, 'HvDxe.efi'),
        startupNsh,
        extra,
      },
    });
    const t = target;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no ${done} within ${BOOT_TIMEOUT_MS} ms; console tail:\n${text.slice(-3000)}`)),
        BOOT_TIMEOUT_MS,
      );
      t.console.on('data', (d: Buffer) => {
        text += d.toString('latin1').replace(ANSI, '');
        if (done.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void t.exited.then((e) => {
        clearTimeout(timer);
        if (done.test(text)) resolve();
        else
          reject(new Error(`target ended (${e.detail}) before ${done}; console tail:\n${text.slice(-3000)}`));
      });
    });
  } finally {
    await target?.stop();
  }
  return text;
}

describe('hypervisor under Bochs (2 CPUs, OVMF): guest checks', function () {
  this.timeout(BOOT_TIMEOUT_MS + 120000);
  let log = '';
  const build = path.join(DRIVER_DIR, 'build', 'DEBUG');

  before(async () => {
    make([]);
    log = await bootUntil(build, 'fs0:\\HvGuestTest.efi\n', /guest-test: SUMMARY \d+ passed, \d+ failed/, [
      { dest: '\\HvGuestTest.efi', source: path.join(build, 'HvGuestTest.efi') },
    ]);
  });

  function resultOf(cpu: number, check: string): string {
    const m = new RegExp(`guest-test: (PASS|FAIL) cpu${cpu} ${check}\\b(.*)`).exec(log);
    assert.ok(m, `no result line for cpu${cpu} ${check}`);
    return `${m[1]}${m[2]}`;
  }

  it('virtualizes every CPU and logs the time it took', () => {
    assert.match(log, new RegExp(`hv: [0-9.]+ cpu0 INFO  hypervisor running on ${CPUS} CPUs: \\d+ us`));
  });

  it('hides its own memory with EPT', () => {
    assert.match(log, /INFO {2}EPT: \d+ KiB in \d+ ranges hidden from the guest/);
  });

  const checks = [
    'cpuid-hypervisor-bit',
    'cpuid-vmx-hidden',
    'cpuid-vendor-leaf',
    'cpuid-interface-leaf',
    'vmcall-version',
    'vmcall-unknown-fails',
    'vmcall-bad-param-fails',
    'msr-monitored-write',
    'msr-refused-write-gp',
    'msr-unimplemented-gp',
    'msr-vmx-basic-gp',
    'msr-feature-control-locked',
    'cr4-shadow-hides-vmxe',
    'cr4-vmxe-write-gp',
    'pci-config-io',
    'pci-config-string-io',
    'hidden-memory-read',
    'hidden-memory-write-denied',
    'image-write-denied',
    'vmxon-ud',
    'xsetbv-validated',
    'exit-stats',
  ];
  for (let cpu = 0; cpu < CPUS; cpu++) {
    it(`cpu${cpu} virtualized at load (hypervisor state + its CPUID self-check counted)`, () =>
      assert.strictEqual(resultOf(cpu, 'virtualized'), 'PASS'));
  }
  for (const check of checks) {
    it(`cpu0 ${check}`, () => assert.strictEqual(resultOf(0, check), 'PASS'));
  }
  // The APs run the checks when MP services wake them, which OVMF does with INIT-SIPI-SIPI. The
  // hypervisor intercepts the INIT IPI at the sender and turns it into an NMI + virtual INIT (Bochs
  // 2.7 would otherwise keep a real INIT pending after the INIT exit); the AP must go through INIT
  // and SIPI as a guest and run every check virtualized.
  for (let cpu = 1; cpu < CPUS; cpu++) {
    it(`cpu${cpu} started by MP services after virtualization`, () =>
      assert.strictEqual(resultOf(cpu, 'ap-started'), 'PASS'));
    it(`cpu${cpu} INIT-SIPI-SIPI taken as a guest (virtual INIT, SIPI exit), still virtualized`, () =>
      assert.strictEqual(resultOf(cpu, 'init-sipi-virtualized'), 'PASS'));
    it(`cpu${cpu} runs MP services' procedure under the hypervisor`, () =>
      assert.strictEqual(resultOf(cpu, 'ap-hypervisor-present'), 'PASS'));
    it(`cpu${cpu} woken a second time: one more virtual INIT, still virtualized`, () =>
      assert.strictEqual(resultOf(cpu, 'ap-second-start'), 'PASS'));
    for (const check of checks) {
      it(`cpu${cpu} ${check}`, () => assert.strictEqual(resultOf(cpu, check), 'PASS'));
    }
  }

  it('logs the denied accesses to hypervisor memory', () => {
    assert.match(
      log,
      /WARN {2}EPT violation: guest (read|write) of hypervisor memory 0x[0-9a-f]+ at rip 0x[0-9a-f]+: denied/,
    );
  });

  it('still answers CPUID and VMCALL after ExitBootServices', () => {
    assert.strictEqual(resultOf(0, 'after-exit-boot-services-cpuid'), 'PASS');
  });

  it('reports no failure and no fatal exit', () => {
    assert.match(log, /guest-test: SUMMARY \d+ passed, 0 failed/);
    assert.doesNotMatch(log, /FATAL|HOST EXCEPTION|VMRESUME failed/);
  });
});

describe('hypervisor under Bochs: a broken VMCS fails VM entry cleanly', function () {
  this.timeout(BOOT_TIMEOUT_MS + 120000);
  let log = '';

  before(async () => {
    make(['HV_FAULT_INJECT=bad-guest-cr0']);
    const build = path.join(DRIVER_DIR, 'build', 'DEBUG-bad-guest-cr0');
    log = await bootUntil(
      build,
      'echo shell-reached-after-failed-entry\n',
      /shell-reached-after-failed-entry\n/,
    );
  });

  it('decodes the entry failure: invalid guest state, with the qualification', () => {
    assert.match(
      log,
      /ERROR VM entry failed on cpu\d+: exit reason 0x80000021 \(entry failure, basic 33 INVALID_GUEST_STATE\), qualification \d+/,
    );
  });

  it('leaves every CPU unvirtualized and says so', () => {
    assert.match(log, /cpu\d+ left unvirtualized/);
    assert.match(log, /uefi-hv not started \(.*\): the firmware boots on without it/);
    assert.doesNotMatch(log, /hypervisor running on/);
  });

  it('lets the firmware reach the shell', () => {
    assert.match(log, /shell-reached-after-failed-entry/);
  });
});

describe('hypervisor under Bochs: unload devirtualizes every CPU, a second copy loads again', function () {
  this.timeout(BOOT_TIMEOUT_MS + 120000);
  let log = '';

  before(async () => {
    make([]);
    make(['HV_VARIANT=cpuid-floor']);
    const build = path.join(DRIVER_DIR, 'build', 'DEBUG');
    // HvBench: measures, unloads the driver image (Unload -> hv_devirtualize_all), measures again;
    // then the shell loads another build of the driver and HvBench runs against it.
    log = await bootUntil(
      build,
      'fs0:\\HvBench.efi\nload fs0:\\HvDxeFloor.efi\nfs0:\\HvBench.efi\necho reload-done\n',
      /reload-done\n/,
      [
        { dest: '\\HvBench.efi', source: path.join(build, 'HvBench.efi') },
        {
          dest: '\\HvDxeFloor.efi',
          source: path.join(DRIVER_DIR, 'build', 'DEBUG-cpuid-floor', 'HvDxe.efi'),
        },
      ],
    );
  });

  it('runs under the hypervisor, then unloads it', () => {
    assert.match(log, /guest-bench: cpuid ours n=\d+/);
    assert.match(log, /INFO {2}hypervisor stopped on 2 CPUs/);
    assert.match(log, /guest-bench: unload ok/);
  });

  it('is bare after the unload (VMCALL raises #UD again)', () => {
    assert.match(log, /guest-bench: unload ok\n+guest-bench: cpuid bare n=\d+/);
  });

  it('virtualizes every CPU again when another copy is loaded', () => {
    assert.strictEqual(log.match(/hypervisor running on 2 CPUs/g)?.length, 2);
    assert.match(log, /guest-bench: cpuid floor n=\d+/);
    assert.doesNotMatch(log, /VM entry failed|FATAL|HOST EXCEPTION/);
  });
});
