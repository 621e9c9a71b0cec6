import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  cannotRunLine,
  HostFacts,
  parseCpuinfo,
  parseNested,
  readHostFacts,
  whyCannotRun,
} from '../../extension/src/target/hostcaps';
import { loadProfiles } from '../../extension/src/target/profiles';

const INTEL = `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr vmx ept\n\nprocessor\t: 1\n`;
const AMD = `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme svm npt\n`;

describe('host capabilities', () => {
  const profiles = loadProfiles();
  const kvm = profiles.get('qemu-kvm');
  // A PATH holding a fake qemu-system-x86_64 so only the KVM facts decide.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-bin-'));
  fs.writeFileSync(path.join(bin, 'qemu-system-x86_64'), '#!/bin/sh\n', { mode: 0o755 });
  const env = { PATH: bin };
  after(() => fs.rmSync(bin, { recursive: true, force: true }));
  const good: HostFacts = { kvm: 'ok', cpuVendor: 'GenuineIntel', vmx: true, nested: 'on' };

  it('parses /proc/cpuinfo and the nested parameter', () => {
    assert.deepStrictEqual(parseCpuinfo(INTEL), { vendor: 'GenuineIntel', vmx: true });
    assert.deepStrictEqual(parseCpuinfo(AMD), { vendor: 'AuthenticAMD', vmx: false });
    assert.strictEqual(parseNested('Y\n'), 'on');
    assert.strictEqual(parseNested('1\n'), 'on');
    assert.strictEqual(parseNested('N\n'), 'off');
    assert.strictEqual(parseNested(undefined), 'unknown');
  });

  it('reads facts from a fake root', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-root-'));
    try {
      fs.mkdirSync(path.join(root, 'proc'));
      fs.writeFileSync(path.join(root, 'proc/cpuinfo'), INTEL);
      fs.mkdirSync(path.join(root, 'sys/module/kvm_intel/parameters'), { recursive: true });
      fs.writeFileSync(path.join(root, 'sys/module/kvm_intel/parameters/nested'), 'Y\n');
      fs.mkdirSync(path.join(root, 'dev'));
      assert.deepStrictEqual(readHostFacts(root), {
        kvm: 'missing',
        cpuVendor: 'GenuineIntel',
        vmx: true,
        nested: 'on',
      });
      fs.writeFileSync(path.join(root, 'dev/kvm'), '');
      assert.strictEqual(readHostFacts(root).kvm, 'ok');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('says in one line why qemu-kvm cannot run, and names the profile that can', () => {
    assert.strictEqual(whyCannotRun(kvm, good, env), undefined);
    const why = whyCannotRun(kvm, { ...good, kvm: 'missing' }, env)!;
    assert.strictEqual(
      cannotRunLine(kvm, why),
      'profile qemu-kvm cannot run here: /dev/kvm is missing; use --profile bochs',
    );
    assert.match(whyCannotRun(kvm, { ...good, kvm: 'no-access' }, env)!, /not readable and writable/);
    assert.strictEqual(
      whyCannotRun(kvm, { ...good, cpuVendor: 'AuthenticAMD', vmx: false }, env),
      'the CPU is AuthenticAMD, not Intel',
    );
    assert.match(whyCannotRun(kvm, { ...good, vmx: false }, env)!, /no 'vmx' flag/);
    assert.match(whyCannotRun(kvm, { ...good, nested: 'off' }, env)!, /nested=N/);
    assert.strictEqual(whyCannotRun(kvm, { ...good, nested: 'unknown' }, env), 'kvm_intel is not loaded');
  });

  it('a missing emulator binary gives the apt line', () => {
    assert.strictEqual(
      whyCannotRun(profiles.get('bochs'), good, { PATH: bin }),
      'bochs-bin is not on PATH (install it: sudo apt-get install bochs bochsbios vgabios)',
    );
    // TCG needs nothing from the host but the binary.
    assert.strictEqual(
      whyCannotRun(profiles.get('qemu-tcg'), { kvm: 'missing', vmx: false, nested: 'unknown' }, env),
      undefined,
    );
  });
});
