// The EFI system partition the target boots: a FAT image without a partition table (OVMF and
// Bochs both accept a bare FAT volume). Bochs derives the disk geometry from the size, which must
// be a whole number of 16 heads x 63 sectors x 512 bytes.
import * as fs from 'fs';
import * as path from 'path';
import { run } from './tools';

export const ESP_CYLINDER_BYTES = 16 * 63 * 512; // 516096 = 504 KiB
export const ESP_MIN_KIB = 65520; // 130 cylinders: FAT16, known to boot on Bochs and QEMU

// Image size in KiB (what `mkfs.fat -C` takes): room for the files plus FAT overhead,
// rounded up to whole cylinders, never below the minimum.
export function espSizeKiB(contentBytes: number, minKiB = ESP_MIN_KIB): number {
  const cylinderKiB = ESP_CYLINDER_BYTES / 1024;
  const needKiB = Math.ceil((contentBytes * 1.25) / 1024) + 1024;
  const kib = Math.max(needKiB, minKiB);
  return Math.ceil(kib / cylinderKiB) * cylinderKiB;
}

export interface EspFile {
  dest: string; // path on the ESP with forward or back slashes, e.g. \EFI\BOOT\BOOTX64.EFI
  source?: string; // file on the host
  content?: string | Buffer; // or the bytes themselves
}

export interface EspSpec {
  loader?: string; // -> \EFI\BOOT\BOOTX64.EFI
  driver?: string; // -> \EFI\uefi-hv\HvDxe.efi
  startupNsh?: string; // text of \startup.nsh (line ends become CRLF)
  extra?: EspFile[];
}

export const ESP_LOADER_PATH = '\\EFI\\BOOT\\BOOTX64.EFI';
export const ESP_DRIVER_PATH = '\\EFI\\uefi-hv\\HvDxe.efi';

export function espFiles(spec: EspSpec): EspFile[] {
  const files: EspFile[] = [];
  if (spec.loader) files.push({ dest: ESP_LOADER_PATH, source: spec.loader });
  if (spec.driver) files.push({ dest: ESP_DRIVER_PATH, source: spec.driver });
  if (spec.startupNsh !== undefined) {
    files.push({ dest: '\\startup.nsh', content: spec.startupNsh.replace(/\r?\n/g, '\r\n') });
  }
  files.push(...(spec.extra ?? []));
  return files;
}

function fatPath(dest: string): string[] {
  return dest.split(/[\\/]+/).filter(Boolean);
}

// Build `image` (in a run folder that also holds staged files). Returns the image path.
export async function buildEspImage(
  spec: EspSpec,
  image: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const files = espFiles(spec);
  const staging = `${image}.files`;
  fs.mkdirSync(staging, { recursive: true });
  let bytes = 0;
  const staged: { src: string; parts: string[] }[] = [];
  files.forEach((f, i) => {
    const parts = fatPath(f.dest);
    let src = f.source;
    if (src === undefined) {
      src = path.join(staging, `${i}-${parts[parts.length - 1]}`);
      fs.writeFileSync(src, f.content ?? '');
    }
    bytes += fs.statSync(src).size;
    staged.push({ src, parts });
  });
  const mtoolsEnv = { ...env, MTOOLS_SKIP_CHECK: '1', MTOOLS_NO_VFAT: '0' };
  fs.rmSync(image, { force: true });
  await run('mkfs.fat', ['-C', '-n', 'UEFIHV', image, String(espSizeKiB(bytes))], { env });
  const dirs = new Set<string>();
  for (const { parts } of staged) {
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const dirList = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
  if (dirList.length) await run('mmd', ['-i', image, ...dirList.map((d) => `::/${d}`)], { env: mtoolsEnv });
  for (const { src, parts } of staged) {
    await run('mcopy', ['-o', '-i', image, src, `::/${parts.join('/')}`], { env: mtoolsEnv });
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return image;
}
