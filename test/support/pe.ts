// Just enough of the PE/COFF format (Microsoft PE spec, "PE Format") to check what a build made:
// PE32+ magic, subsystem, image base and the section table.
import * as fs from 'fs';

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
}

export interface PeImage {
  machine: number;
  /** 0x20b for PE32+. */
  magic: number;
  subsystem: number;
  imageBase: bigint;
  entryPoint: number;
  sizeOfImage: number;
  /** Base relocation directory (data directory 5). */
  relocDirectory: { rva: number; size: number };
  sections: PeSection[];
}

export const PE32_PLUS = 0x20b;
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const SUBSYSTEM_EFI_APPLICATION = 10;
export const SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER = 11;

export function parsePe(bytes: Buffer): PeImage {
  if (bytes.length < 0x40 || bytes.toString('latin1', 0, 2) !== 'MZ')
    throw new Error('not a PE file (no MZ)');
  const pe = bytes.readUInt32LE(0x3c);
  if (pe + 24 > bytes.length || bytes.toString('latin1', pe, pe + 4) !== 'PE\0\0') {
    throw new Error('not a PE file (no PE signature)');
  }
  const coff = pe + 4;
  const machine = bytes.readUInt16LE(coff);
  const sectionCount = bytes.readUInt16LE(coff + 2);
  const optionalSize = bytes.readUInt16LE(coff + 16);
  const opt = coff + 20;
  const magic = bytes.readUInt16LE(opt);
  if (magic !== PE32_PLUS) throw new Error(`not PE32+ (optional header magic 0x${magic.toString(16)})`);
  const entryPoint = bytes.readUInt32LE(opt + 16);
  const imageBase = bytes.readBigUInt64LE(opt + 24);
  const sizeOfImage = bytes.readUInt32LE(opt + 56);
  const subsystem = bytes.readUInt16LE(opt + 68);
  const dirCount = bytes.readUInt32LE(opt + 108);
  const relocDirectory =
    dirCount > 5
      ? { rva: bytes.readUInt32LE(opt + 112 + 5 * 8), size: bytes.readUInt32LE(opt + 112 + 5 * 8 + 4) }
      : { rva: 0, size: 0 };
  const sections: PeSection[] = [];
  const table = opt + optionalSize;
  for (let i = 0; i < sectionCount; i++) {
    const s = table + i * 40;
    sections.push({
      name: bytes.toString('latin1', s, s + 8).replace(/\0+$/, ''),
      virtualSize: bytes.readUInt32LE(s + 8),
      virtualAddress: bytes.readUInt32LE(s + 12),
      rawSize: bytes.readUInt32LE(s + 16),
    });
  }
  return { machine, magic, subsystem, imageBase, entryPoint, sizeOfImage, relocDirectory, sections };
}

export function readPe(file: string): PeImage {
  return parsePe(fs.readFileSync(file));
}
