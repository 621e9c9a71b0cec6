import * as assert from 'assert';
import { ESP_CYLINDER_BYTES, ESP_MIN_KIB, espFiles, espSizeKiB } from '../../extension/src/target/esp';

describe('ESP image', () => {
  it('size is a whole number of 16*63*512-byte cylinders, never below the minimum', () => {
    for (const bytes of [0, 1, 100_000, 60 << 20, 61 << 20, 200 << 20, 1_000_000_007]) {
      const kib = espSizeKiB(bytes);
      assert.strictEqual((kib * 1024) % ESP_CYLINDER_BYTES, 0, `size for ${bytes} bytes`);
      assert.ok(kib >= ESP_MIN_KIB);
      assert.ok(kib * 1024 >= bytes * 1.25, `room for ${bytes} bytes`);
    }
    assert.strictEqual(espSizeKiB(0), 65520); // 130 cylinders: the size known to boot on Bochs
  });

  it('lays out loader, driver and startup.nsh per the ESP contract, with CRLF line ends', () => {
    const files = espFiles({
      loader: '/b/HvLoader.efi',
      driver: '/b/HvDxe.efi',
      startupNsh: 'echo a\nreset -s\n',
    });
    assert.deepStrictEqual(files, [
      { dest: '\\EFI\\BOOT\\BOOTX64.EFI', source: '/b/HvLoader.efi' },
      { dest: '\\EFI\\uefi-hv\\HvDxe.efi', source: '/b/HvDxe.efi' },
      { dest: '\\startup.nsh', content: 'echo a\r\nreset -s\r\n' },
    ]);
  });
});
