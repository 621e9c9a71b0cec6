// QEMU specifics: the command line a profile turns into. Console on a pipe chardev (FIFOs
// <console>.in / <console>.out in the run folder), control over QMP on a unix socket there.
import { Profile } from './profiles';

export interface QemuRunSpec {
  profile: Profile;
  cpus: number;
  firmware: { pflash: { code: string; vars: string } } | { bios: string };
  espImage: string;
  consoleFifo: string; // path prefix of the two FIFOs
  qmpSocket: string;
  debugPort?: number; // COM2 on TCP, the debug link
}

export function qemuArgs(s: QemuRunSpec): string[] {
  const q = s.profile.qemu;
  const args = [
    '-name',
    `uefi-hv-${s.profile.name}`,
    '-nodefaults',
    '-machine',
    q.machine,
    '-accel',
    q.accel,
  ];
  args.push('-cpu', q.cpu, '-smp', String(s.cpus), '-m', String(s.profile.memoryMiB));
  if ('pflash' in s.firmware) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${s.firmware.pflash.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${s.firmware.pflash.vars}`);
  } else {
    args.push('-bios', s.firmware.bios);
  }
  args.push('-drive', `file=${s.espImage},format=raw,if=ide,index=0,media=disk`);
  args.push('-display', 'none');
  args.push('-qmp', `unix:${s.qmpSocket},server=on,wait=off`);
  args.push('-chardev', `pipe,id=console,path=${s.consoleFifo}`);
  args.push('-serial', 'chardev:console');
  if (s.debugPort !== undefined) {
    args.push('-chardev', `socket,id=debug,host=127.0.0.1,port=${s.debugPort},server=on,wait=off,nodelay=on`);
    args.push('-serial', 'chardev:debug');
  }
  args.push(...q.extraArgs);
  return args;
}
