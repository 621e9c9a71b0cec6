import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  dynamicConfigurations,
  HvLaunchConfiguration,
  LaunchDefaults,
  resolveConfiguration,
} from '../../extension/src/debug/configurations';
import { profileChoices, runnableProfile } from '../../extension/src/profiles/profileChoices';
import { HostFacts } from '../../extension/src/target/hostcaps';
import { loadProfiles } from '../../extension/src/target/profiles';

// The built-in profiles of qemu-profiles/ as they are, on a host without KVM: what CI sees.
const NO_KVM: HostFacts = { kvm: 'missing', vmx: false, nested: 'unknown', cpuVendor: 'GenuineIntel' };
const KVM_NESTED: HostFacts = { kvm: 'ok', vmx: true, nested: 'on', cpuVendor: 'GenuineIntel' };
const ENV = { PATH: process.env.PATH }; // bochs-bin and qemu-system-x86_64 are installed by .ci/setup
const builtins = [...loadProfiles().profiles.values()];

const D: LaunchDefaults = {
  profile: 'bochs',
  buildTarget: 'DEBUG',
  buildTaskLabel: 'uefi-hv: build standalone DEBUG',
  outputsDir: '/ws/hv-driver/build/DEBUG',
  timeouts: { startSeconds: 0, bootSeconds: 0 },
};

describe('boot profile choices', () => {
  it('keeps profiles that cannot run, with the reason, after the runnable ones', () => {
    const c = profileChoices(builtins, NO_KVM, 'bochs', ENV);
    const kvm = c.find((x) => x.name === 'qemu-kvm')!;
    assert.strictEqual(kvm.runnable, false);
    assert.match(kvm.reason!, /\/dev\/kvm is missing/);
    assert.ok(c.findIndex((x) => !x.runnable) > c.findIndex((x) => x.name === 'bochs'));
    assert.ok(c.find((x) => x.name === 'bochs')!.selected);
  });

  it('a profile whose emulator is missing explains how to install it', () => {
    const c = profileChoices(builtins, KVM_NESTED, 'bochs', { PATH: '/nonexistent' });
    assert.ok(c.every((x) => !x.runnable));
    assert.match(
      c.find((x) => x.name === 'bochs')!.reason!,
      /bochs-bin is not on PATH \(install it: sudo apt-get install bochs/,
    );
  });

  it('falls back to the declared fallback, else the first runnable profile', () => {
    const c = profileChoices(builtins, NO_KVM, 'qemu-kvm', ENV);
    const fb = builtins.find((p) => p.name === 'qemu-kvm')!.fallback;
    const got = runnableProfile(c, 'qemu-kvm')!;
    assert.ok(got.runnable);
    if (fb) assert.strictEqual(got.name, fb);
  });
});

describe('launch configurations', () => {
  it('offers one dynamic configuration per runnable profile, the selected one first', () => {
    const c = profileChoices(builtins, NO_KVM, 'bochs', ENV);
    const configs = dynamicConfigurations(c, D);
    assert.deepStrictEqual(
      configs.map((x) => x.profile),
      c
        .filter((x) => x.runnable)
        .sort((a, b) => Number(b.selected) - Number(a.selected))
        .map((x) => x.name),
    );
    assert.ok(!configs.some((x) => x.profile === 'qemu-kvm'));
    assert.strictEqual(configs[0].profile, 'bochs');
    assert.strictEqual(configs[0].preLaunchTask, 'uefi-hv: build standalone DEBUG');
  });

  it('an empty configuration (first F5, no launch.json) becomes a full one for the chosen profile', () => {
    const c = profileChoices(builtins, NO_KVM, 'bochs', ENV);
    const r = resolveConfiguration({} as HvLaunchConfiguration, c, { ...D, gdbPath: '/usr/bin/gdb' });
    assert.strictEqual(r.type, 'uefi-hv');
    assert.strictEqual(r.request, 'launch');
    assert.strictEqual(r.profile, 'bochs');
    assert.strictEqual(r.preLaunchTask, 'uefi-hv: build standalone DEBUG');
    assert.strictEqual(r.symbols, '/ws/hv-driver/build/DEBUG/HvDxe.debug');
    assert.strictEqual(r.loader, '/ws/hv-driver/build/DEBUG/HvLoader.efi');
    assert.strictEqual(r.gdbPath, '/usr/bin/gdb');
    assert.deepStrictEqual(r.exitBreakpoints, ['cpuid']);
  });

  it("keeps the user's values and fills timeouts from the settings only where unset", () => {
    const c = profileChoices(builtins, NO_KVM, 'bochs', ENV);
    const r = resolveConfiguration(
      {
        type: 'uefi-hv',
        request: 'launch',
        name: 'x',
        profile: 'qemu-tcg',
        cpus: 1,
        bootTimeout: 90000,
      },
      c,
      { ...D, timeouts: { startSeconds: 15, bootSeconds: 300, requestSeconds: 2.5 } },
    );
    assert.strictEqual(r.profile, 'qemu-tcg');
    assert.strictEqual(r.cpus, 1);
    assert.strictEqual(r.bootTimeout, 90000); // the user's, not the setting's 300 s
    assert.strictEqual(r.connectTimeout, 15000); // seconds setting -> the adapter's milliseconds
    assert.strictEqual(r.requestTimeout, 2500);
  });

  it('every setting has the one prefix uefi-hv. and settings.ts reads only contributed ones', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../../package.json');
    const keys = Object.keys(pkg.contributes.configuration.properties);
    assert.deepStrictEqual(
      keys.filter((k) => !k.startsWith('uefi-hv.')),
      [],
      'settings outside the uefi-hv. prefix',
    );
    const src = fs.readFileSync(path.join(__dirname, '../../../extension/src/ui/settings.ts'), 'utf8');
    const read = [...src.matchAll(/(?:str|num|c\.get<[^>]+>)\('([a-zA-Z0-9.]+)'/g)].map(
      (m) => `uefi-hv.${m[1]}`,
    );
    assert.ok(read.length >= 15, `only ${read.length} settings read`);
    assert.deepStrictEqual(
      read.filter((k) => !keys.includes(k)),
      [],
      'settings read but not contributed',
    );
    assert.deepStrictEqual(
      keys.filter((k) => !read.includes(k)),
      [],
      'settings contributed but never read',
    );
    // Every path and timeout setting: empty/0 means "discover" or "the profile's", said in its text.
    for (const k of keys.filter((x) => /^uefi-hv\.(paths|timeouts)\./.test(x))) {
      const p = pkg.contributes.configuration.properties[k];
      assert.ok(
        p.default === '' || p.default === 0 || Array.isArray(p.default),
        `${k}: default ${p.default}`,
      );
      assert.match(p.markdownDescription ?? p.description, /Empty|0:/, `${k} does not say what empty means`);
    }
  });

  it('refuses a profile that cannot run here, or does not exist, with the reason', () => {
    const c = profileChoices(builtins, NO_KVM, 'bochs', ENV);
    const base = { type: 'uefi-hv', request: 'launch', name: 'x' };
    assert.throws(
      () => resolveConfiguration({ ...base, profile: 'qemu-kvm' }, c, D),
      /cannot run here: \/dev\/kvm is missing/,
    );
    assert.throws(
      () => resolveConfiguration({ ...base, profile: 'vbox' }, c, D),
      /no boot profile "vbox" \(have: /,
    );
    assert.throws(
      () => resolveConfiguration({ ...base, request: 'attach', profile: 'bochs' }, c, D),
      /not supported/,
    );
  });

  it('the schema documents exactly the attributes the adapter accepts', () => {
    // The adapter's KNOWN table (debug-adapter/src/config/attributes.ts); until that file is on
    // this branch, the list as read from the adapter branch at 5e24fbc.
    const src = path.join(__dirname, '../../../debug-adapter/src/config/attributes.ts');
    const adapterKeys = fs.existsSync(src)
      ? [
          .../const KNOWN[^{]*\{([^}]*)\}/.exec(fs.readFileSync(src, 'utf8'))![1].matchAll(/^\s*(\w+):/gm),
        ].map((m) => m[1])
      : [
          'profile',
          'profilesDir',
          'driver',
          'loader',
          'symbols',
          'link',
          'linkLog',
          'stopOnEntry',
          'exitBreakpoints',
          'gdbPath',
          'ovmf',
          'cpus',
          'cwd',
          'verbose',
          'logFile',
          'keepRunDir',
          'bootTimeout',
          'connectTimeout',
          'requestTimeout',
        ];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../../package.json');
    const ours = Object.keys(pkg.contributes.debuggers[0].configurationAttributes.launch.properties).sort();
    assert.deepStrictEqual(ours, [...adapterKeys].sort());
  });

  it('every attribute the resolver knows is documented in the manifest schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../../package.json');
    const props = pkg.contributes.debuggers[0].configurationAttributes.launch.properties;
    for (const k of [
      'profile',
      'symbols',
      'driver',
      'loader',
      'cpus',
      'ovmf',
      'gdbPath',
      'stopOnEntry',
      'exitBreakpoints',
      'bootTimeout',
      'connectTimeout',
      'requestTimeout',
      'profilesDir',
      'link',
      'linkLog',
      'cwd',
      'logFile',
      'keepRunDir',
      'verbose',
    ]) {
      assert.ok(props[k], `launch attribute ${k} missing`);
      assert.ok(props[k].description || props[k].markdownDescription, `launch attribute ${k} undocumented`);
    }
  });
});
