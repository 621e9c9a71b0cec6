import * as assert from 'assert';
import { parsePe, PE32_PLUS } from '../support/pe';

/** A minimal PE32+ header block with one section, built field by field from the PE spec. */
function fakePe(subsystem: number, relocSize: number): Buffer {
  const b = Buffer.alloc(0x400);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  const coff = 0x84;
  b.writeUInt16LE(0x8664, coff);
  b.writeUInt16LE(1, coff + 2);
  b.writeUInt16LE(240, coff + 16);
  const opt = coff + 20;
  b.writeUInt16LE(PE32_PLUS, opt);
  b.writeUInt32LE(0x1000, opt + 16);
  b.writeBigUInt64LE(0n, opt + 24);
  b.writeUInt32LE(0x9000, opt + 56);
  b.writeUInt16LE(subsystem, opt + 68);
  b.writeUInt32LE(16, opt + 108);
  b.writeUInt32LE(0x8000, opt + 112 + 40);
  b.writeUInt32LE(relocSize, opt + 112 + 44);
  const sec = opt + 240;
  b.write('.reloc', sec, 'latin1');
  b.writeUInt32LE(relocSize, sec + 8);
  b.writeUInt32LE(0x8000, sec + 12);
  return b;
}

describe('test support: PE parser', () => {
  it('reads subsystem, image base, relocation directory and sections', () => {
    const pe = parsePe(fakePe(11, 0x64));
    assert.strictEqual(pe.subsystem, 11);
    assert.strictEqual(pe.imageBase, 0n);
    assert.strictEqual(pe.entryPoint, 0x1000);
    assert.deepStrictEqual(pe.relocDirectory, { rva: 0x8000, size: 0x64 });
    assert.deepStrictEqual(
      pe.sections.map((s) => s.name),
      ['.reloc'],
    );
  });

  it('rejects what is not PE32+', () => {
    assert.throws(
      () => parsePe(Buffer.from('hello world, not a PE file at all....................................')),
      /no MZ/,
    );
    const pe32 = fakePe(10, 0);
    pe32.writeUInt16LE(0x10b, 0x84 + 20);
    assert.throws(() => parsePe(pe32), /not PE32\+/);
  });
});
