// Where the firmware loaded our driver, read from target memory the way UEFI debuggers do: the
// EFI_SYSTEM_TABLE_POINTER ("IBI SYST", 4 MiB aligned) leads to the system table, whose
// configuration table holds the EFI_DEBUG_IMAGE_INFO_TABLE (one entry per loaded image, each
// pointing at the image's EFI_LOADED_IMAGE_PROTOCOL). Memory is identity-mapped in boot services,
// so these physical addresses are also what gdb reads. Layouts: UEFI spec, "Debug Support".
import { matchesLoaded, PeInfo } from './peImage';

export type ReadMemory = (address: bigint, length: number) => Promise<Buffer | undefined>;

const SYSTEM_TABLE_SIGNATURE = Buffer.from('IBI SYST', 'latin1');
const FOUR_MIB = 0x40_0000n;
// EFI_DEBUG_IMAGE_INFO_TABLE_GUID 49152E77-1ADA-4764-B7A2-7AFEFED95E8B, in memory order.
const DEBUG_IMAGE_INFO_TABLE_GUID = Buffer.from('772e1549da1a6447b7a27afefed95e8b', 'hex');
const NORMAL_ENTRY = 1;

export interface DebugImageTable {
  systemTable: bigint;
  header: bigint; // EFI_DEBUG_IMAGE_INFO_TABLE_HEADER: UpdateStatus u32, TableSize u32, table pointer
}

// Scan 4 MiB boundaries from `top` down to 0 for the system table pointer.
export async function findSystemTable(read: ReadMemory, top: bigint): Promise<bigint | undefined> {
  for (let a = (top / FOUR_MIB) * FOUR_MIB; a >= FOUR_MIB; a -= FOUR_MIB) {
    const b = await read(a, 16);
    if (b && b.length === 16 && b.subarray(0, 8).equals(SYSTEM_TABLE_SIGNATURE)) return b.readBigUInt64LE(8);
  }
  return undefined;
}

export async function findDebugImageTable(
  read: ReadMemory,
  top: bigint,
): Promise<DebugImageTable | undefined> {
  const st = await findSystemTable(read, top);
  if (st === undefined) return undefined;
  const hdr = await read(st + 104n, 16); // NumberOfTableEntries, ConfigurationTable
  if (!hdr) return undefined;
  const count = Number(hdr.readBigUInt64LE(0));
  const tables = hdr.readBigUInt64LE(8);
  if (count === 0 || count > 256) return undefined;
  const entries = await read(tables, count * 24);
  if (!entries) return undefined;
  for (let i = 0; i < count; i++) {
    if (entries.subarray(i * 24, i * 24 + 16).equals(DEBUG_IMAGE_INFO_TABLE_GUID))
      return { systemTable: st, header: entries.readBigUInt64LE(i * 24 + 16) };
  }
  return undefined;
}

export interface LoadedImage {
  base: bigint;
  size: bigint;
}

// Every image base in the debug image table; entries in `seen` are skipped and new ones added
// (a watch loop then reads only what changed).
export async function listImages(
  read: ReadMemory,
  table: DebugImageTable,
  seen: Set<bigint> = new Set(),
): Promise<LoadedImage[]> {
  const hdr = await read(table.header, 16);
  if (!hdr) return [];
  const size = hdr.readUInt32LE(4);
  const array = hdr.readBigUInt64LE(8);
  if (array === 0n || size === 0) return [];
  // Freed slots are NULL and reused, so look a little past TableSize.
  const slots = Math.min(size + 16, 4096);
  const ptrs = await read(array, slots * 8);
  if (!ptrs) return [];
  const images: LoadedImage[] = [];
  for (let i = 0; i < slots; i++) {
    const entry = ptrs.readBigUInt64LE(i * 8);
    if (entry === 0n || seen.has(entry)) continue;
    seen.add(entry);
    const normal = await read(entry, 24);
    if (!normal || normal.readUInt32LE(0) !== NORMAL_ENTRY) continue;
    const li = await read(normal.readBigUInt64LE(8), 80);
    if (!li) continue;
    images.push({ base: li.readBigUInt64LE(64), size: li.readBigUInt64LE(72) });
  }
  return images;
}

// The base where `pe` is loaded, if it is.
export async function findImage(
  read: ReadMemory,
  table: DebugImageTable,
  pe: PeInfo,
  seen: Set<bigint> = new Set(),
): Promise<bigint | undefined> {
  for (const img of await listImages(read, table, seen)) {
    const start = await read(img.base, pe.headerBytes);
    if (start && matchesLoaded(pe, start)) return img.base;
  }
  return undefined;
}
