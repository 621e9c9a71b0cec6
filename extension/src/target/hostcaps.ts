// Can this host run a profile? KVM profiles need a usable /dev/kvm on an Intel CPU with VMX and
// kvm_intel's nested virtualization on; every profile needs its emulator binary.
import * as fs from 'fs';
import * as path from 'path';
import { Profile } from './profiles';
import { findExecutable, installHint } from './tools';

export interface HostFacts {
  kvm: 'ok' | 'missing' | 'no-access';
  cpuVendor?: string;
  vmx: boolean;
  nested: 'on' | 'off' | 'unknown'; // unknown: kvm_intel not loaded
}

export function parseCpuinfo(text: string): { vendor?: string; vmx: boolean } {
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(text)?.[1];
  const flags = /^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
  return { vendor, vmx: flags.split(/\s+/).includes('vmx') };
}

// /sys/module/kvm_intel/parameters/nested holds "Y"/"N" (newer kernels) or "1"/"0" (older).
export function parseNested(text: string | undefined): HostFacts['nested'] {
  if (text === undefined) return 'unknown';
  const v = text.trim();
  return v === 'Y' || v === '1' ? 'on' : 'off';
}

export function readHostFacts(root = '/'): HostFacts {
  const at = (p: string): string => path.join(root, p);
  const read = (p: string): string | undefined => {
    try {
      return fs.readFileSync(at(p), 'utf8');
    } catch {
      return undefined;
    }
  };
  let kvm: HostFacts['kvm'] = 'missing';
  if (fs.existsSync(at('/dev/kvm'))) {
    try {
      fs.accessSync(at('/dev/kvm'), fs.constants.R_OK | fs.constants.W_OK);
      kvm = 'ok';
    } catch {
      kvm = 'no-access';
    }
  }
  const cpu = parseCpuinfo(read('/proc/cpuinfo') ?? '');
  return {
    kvm,
    cpuVendor: cpu.vendor,
    vmx: cpu.vmx,
    nested: parseNested(read('/sys/module/kvm_intel/parameters/nested')),
  };
}

export function emulatorBinary(profile: Profile): string {
  return profile.emulator === 'bochs' ? profile.bochs.binary : profile.qemu.binary;
}

// undefined when the profile can run; else the reason, short (it goes in one line).
export function whyCannotRun(
  profile: Profile,
  facts: HostFacts,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const bin = emulatorBinary(profile);
  if (!findExecutable(bin, env)) return `${bin} is not on PATH (${installHint(bin)})`;
  const needsKvm = profile.requires.kvm || (profile.emulator === 'qemu' && profile.qemu.accel === 'kvm');
  if (needsKvm) {
    if (facts.kvm === 'missing') return '/dev/kvm is missing';
    if (facts.kvm === 'no-access')
      return '/dev/kvm is not readable and writable by this user (add it to group kvm)';
  }
  if (profile.requires.hostVmx) {
    if (facts.cpuVendor && facts.cpuVendor !== 'GenuineIntel')
      return `the CPU is ${facts.cpuVendor}, not Intel`;
    if (!facts.vmx) return "the CPU does not expose VMX (no 'vmx' flag in /proc/cpuinfo)";
    if (facts.nested === 'unknown') return 'kvm_intel is not loaded';
    if (facts.nested === 'off')
      return 'nested virtualization is off (kvm_intel nested=N; set options kvm_intel nested=1)';
  }
  return undefined;
}

// The one line a user sees, e.g. "profile qemu-kvm cannot run here: /dev/kvm is missing; use --profile bochs".
export function cannotRunLine(profile: Profile, reason: string): string {
  const alt = profile.fallback ? `; use --profile ${profile.fallback}` : '';
  return `profile ${profile.name} cannot run here: ${reason}${alt}`;
}
