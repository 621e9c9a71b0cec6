// What the adapter needs from a PE32+ image: entry point, size, and a fingerprint (the section
// table, which the firmware's loader copies unchanged) to recognise the image in target memory.

export interface PeInfo {
  entryRva: number;
  sizeOfImage: number;
  fingerprint: Buffer; // section headers
  headerBytes: number; // how much of the image start to read to fingerprint it in memory
}

export class PeError extends Error {}

export function parsePe(image: Buffer, what = 'image'): PeInfo {
  if (image.length < 0x40 || image.readUInt16LE(0) !== 0x5a4d)
    throw new PeError(`${what} is not a PE image (no MZ)`);
  const pe = image.readUInt32LE(0x3c);
  if (pe + 24 > image.length || image.readUInt32LE(pe) !== 0x4550)
    throw new PeError(`${what}: no PE signature`);
  const sections = image.readUInt16LE(pe + 6);
  const optSize = image.readUInt16LE(pe + 20);
  const opt = pe + 24;
  if (image.readUInt16LE(opt) !== 0x20b) throw new PeError(`${what} is not PE32+ (64-bit)`);
  const table = opt + optSize;
  const end = table + sections * 40;
  if (end > image.length) throw new PeError(`${what}: truncated section table`);
  return {
    entryRva: image.readUInt32LE(opt + 16),
    sizeOfImage: image.readUInt32LE(opt + 56),
    fingerprint: Buffer.from(image.subarray(table, end)),
    headerBytes: end,
  };
}

// Does the start of a loaded image (read from the target) match this PE?
export function matchesLoaded(pe: PeInfo, loadedStart: Buffer): boolean {
  try {
    const there = parsePe(loadedStart, 'loaded image');
    return (
      there.entryRva === pe.entryRva &&
      there.sizeOfImage === pe.sizeOfImage &&
      there.fingerprint.equals(pe.fingerprint)
    );
  } catch {
    return false;
  }
}
