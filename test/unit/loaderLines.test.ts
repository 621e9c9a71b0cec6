import * as assert from 'assert';
import { LOADER_FAILURE } from '../../extension/src/cli/bootSession';

// The lines hv-driver/loader/loader.c prints; the boot ends with status 7 on the failures only.
describe('loader failure lines', () => {
  it('match every way the driver can fail to load or start', () => {
    for (const line of [
      'uefi-hv loader: cannot load \\EFI\\uefi-hv\\HvDxe.efi: Unsupported (status 0x8000000000000003)\n',
      'uefi-hv loader: \\EFI\\uefi-hv\\HvDxe.efi failed to start: Unsupported (status 0x8000000000000003)\n',
      'uefi-hv loader: no loaded image protocol: Not Found\n',
      'uefi-hv loader: the boot device has no device path: Not Found\n',
      'uefi-hv loader: out of memory\n',
    ]) {
      assert.ok(LOADER_FAILURE.test(line), line);
    }
  });

  it('leave success, the shell line and an unfinished line alone', () => {
    for (const line of [
      'uefi-hv loader: HvDxe.efi started (uefi-hv 0.1.0)\n',
      'uefi-hv loader: no UEFI Shell in the firmware (Not Found); back to the boot manager\n',
      'uefi-hv loader: cannot load \\EFI\\uefi-hv\\HvDx',
    ]) {
      assert.ok(!LOADER_FAILURE.test(line), line);
    }
  });
});
