import * as assert from 'assert';
import { bochsEnd, bochsrc, countResets } from '../../extension/src/target/bochs';
import * as path from 'path';
import { builtinProfilesDir } from '../../extension/src/target/paths';
import { loadProfiles } from '../../extension/src/target/profiles';
import { qemuArgs } from '../../extension/src/target/qemu';

describe('emulator configuration', () => {
  const set = loadProfiles();

  it('bochsrc carries the recipe from targets.md', () => {
    const rc = bochsrc({
      profile: set.get('bochs'),
      cpus: 2,
      romImage: '/usr/share/ovmf/OVMF.fd',
      romSize: 2 << 20,
      vgaRom: '/usr/share/bochs/VGABIOS-lgpl-latest',
      espImage: '/run/esp.img',
      consolePort: 40001,
      debugPort: 40002,
      logFile: '/run/bochs.log',
    });
    for (const line of [
      'megs: 512',
      'cpu: model=corei7_skylake_x, count=2, ips=20000000',
      'romimage: file=/usr/share/ovmf/OVMF.fd, address=0xffe00000',
      'display_library: rfb, options="timeout=0"',
      'sound: driver=dummy',
      'ata0-master: type=disk, path=/run/esp.img, mode=flat',
      'com1: enabled=1, mode=socket-server, dev=localhost:40001',
      'com2: enabled=1, mode=socket-server, dev=localhost:40002',
      'log: /run/bochs.log',
      `cpu: ignore_bad_msrs=0, msrs="${path.join(builtinProfilesDir(), 'bochs-msrs.def')}"`,
    ]) {
      assert.ok(rc.split('\n').includes(line), `bochsrc has '${line}'`);
    }
  });

  it('a 4 MiB joined image sits at 0xffc00000', () => {
    const rc = bochsrc({
      profile: set.get('bochs'),
      cpus: 1,
      romImage: 'x',
      romSize: 4 << 20,
      vgaRom: 'v',
      espImage: 'e',
      consolePort: 1,
      logFile: 'l',
    });
    assert.match(rc, /address=0xffc00000/);
    assert.doesNotMatch(rc, /com2/);
  });

  it('QEMU: q35, pflash CODE read-only + VARS copy, no display, console and QMP sockets', () => {
    const args = qemuArgs({
      profile: set.get('qemu-kvm'),
      cpus: 2,
      firmware: { pflash: { code: '/fw/CODE.fd', vars: '/run/VARS.fd' } },
      espImage: '/run/esp.img',
      consoleFifo: '/run/console',
      qmpSocket: '/run/qmp.sock',
    }).join(' ');
    assert.match(args, /-machine q35 -accel kvm -cpu host,\+vmx -smp 2 -m 1024/);
    assert.match(
      args,
      /-drive if=pflash,format=raw,unit=0,readonly=on,file=\/fw\/CODE\.fd -drive if=pflash,format=raw,unit=1,file=\/run\/VARS\.fd/,
    );
    assert.match(args, /-display none/);
    assert.match(args, /-qmp unix:\/run\/qmp\.sock,server=on,wait=off/);
    assert.match(args, /-chardev pipe,id=console,path=\/run\/console -serial chardev:console/);
  });

  it('Bochs: power-off versus panic, and resets counted from the log', () => {
    const log = '00000000000i[SYS   ] bx_pc_system_c::Reset(HARDWARE) called\n';
    assert.deepStrictEqual(
      bochsEnd(1, `${log}00799488710p[ACPI  ] >>PANIC<< ACPI control: soft power off\n`),
      {
        poweroff: true,
        detail: 'target powered off (ACPI soft off)',
      },
    );
    assert.deepStrictEqual(
      bochsEnd(1, `${log}00000001p[CPU0  ] >>PANIC<< exception(): 3rd (13) exception with no resolution\n`),
      {
        poweroff: false,
        detail: 'Bochs: exception(): 3rd (13) exception with no resolution',
      },
    );
    assert.strictEqual(countResets(log), 1);
    assert.strictEqual(countResets(log + '0005i[SYS   ] bx_pc_system_c::Reset(SOFTWARE) called\n'), 2);
  });
});
