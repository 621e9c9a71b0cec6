// OVMF discovery: where each distribution puts the firmware, plus overrides. QEMU prefers the
// pflash pair (CODE read-only + a per-run copy of VARS); Bochs needs one image (romimage), which
// Debian ships as OVMF.fd and which is VARS followed by CODE of the same build.
import * as fs from 'fs';
import * as path from 'path';

export interface PflashPair {
  code: string;
  vars: string;
  source: string; // which layout or override found it
}
export interface UnifiedImage {
  path: string;
  source: string;
}
export interface OvmfFound {
  pflash?: PflashPair; // the best pair (QEMU)
  unified?: UnifiedImage; // the best single image
  allPflash: PflashPair[]; // every pair found, best first (Bochs picks one that fits 2 MiB)
  allUnified: UnifiedImage[];
  root: string; // file-system root the paths are relative to ('/' outside unit tests)
  searched: string[]; // every place looked at, for the error line
}

export const OVMF_INSTALL_HINT = 'sudo apt-get install ovmf';

export class OvmfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OvmfError';
  }
}

interface Layout {
  source: string;
  pairs: [string, string][]; // [code, vars], absolute
  unified: string[];
}

// Per-distribution layouts, best first.
export const LAYOUTS: Layout[] = [
  {
    source: 'Debian/Ubuntu',
    pairs: [
      ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
      ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
    ],
    unified: ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd'],
  },
  {
    source: 'Fedora',
    pairs: [
      ['/usr/share/edk2/ovmf/OVMF_CODE_4M.fd', '/usr/share/edk2/ovmf/OVMF_VARS_4M.fd'],
      ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
    ],
    unified: ['/usr/share/edk2/ovmf/OVMF.fd'],
  },
  {
    source: 'Arch',
    pairs: [
      ['/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd'],
      ['/usr/share/edk2-ovmf/x64/OVMF_CODE.fd', '/usr/share/edk2-ovmf/x64/OVMF_VARS.fd'],
    ],
    unified: ['/usr/share/edk2/x64/OVMF.4m.fd', '/usr/share/edk2-ovmf/x64/OVMF.fd'],
  },
  {
    source: 'Homebrew',
    pairs: [
      ['/opt/homebrew/share/qemu/edk2-x86_64-code.fd', '/opt/homebrew/share/qemu/edk2-i386-vars.fd'],
      ['/usr/local/share/qemu/edk2-x86_64-code.fd', '/usr/local/share/qemu/edk2-i386-vars.fd'],
    ],
    unified: [],
  },
  {
    source: 'NixOS',
    pairs: [['/run/libvirt/nix-ovmf/OVMF_CODE.fd', '/run/libvirt/nix-ovmf/OVMF_VARS.fd']],
    unified: ['/run/libvirt/nix-ovmf/OVMF.fd'],
  },
];

// File names looked for inside a folder given by an override or OVMF_PATH (also its FV/ subfolder,
// the layout of Nix's OVMF.fd output).
const FOLDER_PAIRS: [string, string][] = [
  ['OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd'],
  ['OVMF_CODE.4m.fd', 'OVMF_VARS.4m.fd'],
  ['OVMF_CODE.fd', 'OVMF_VARS.fd'],
  ['edk2-x86_64-code.fd', 'edk2-i386-vars.fd'],
];
const FOLDER_UNIFIED = ['OVMF.fd', 'OVMF.4m.fd'];

export interface DiscoverOptions {
  root?: string; // file-system root, for unit tests against a fake tree
  env?: NodeJS.ProcessEnv;
  override?: string; // --ovmf / setting: a file or a folder
}

function makeExists(root: string): (p: string) => boolean {
  return (p) => {
    try {
      return fs.statSync(path.join(root, p)).isFile();
    } catch {
      return false;
    }
  };
}

function addPair(found: OvmfFound, pair: PflashPair): void {
  found.pflash ??= pair;
  found.allPflash.push(pair);
}
function addUnified(found: OvmfFound, image: UnifiedImage): void {
  found.unified ??= image;
  found.allUnified.push(image);
}

function searchFolder(dir: string, source: string, exists: (p: string) => boolean, found: OvmfFound): void {
  for (const d of [dir, path.join(dir, 'FV')]) {
    for (const [c, v] of FOLDER_PAIRS) {
      const code = path.join(d, c);
      const vars = path.join(d, v);
      found.searched.push(code);
      if (exists(code) && exists(vars)) addPair(found, { code, vars, source });
    }
    for (const u of FOLDER_UNIFIED) {
      const p = path.join(d, u);
      found.searched.push(p);
      if (exists(p)) addUnified(found, { path: p, source });
    }
  }
}

// A single file override: a CODE image wants its VARS sibling; anything else is one image.
function overrideFile(file: string, exists: (p: string) => boolean, found: OvmfFound): void {
  const base = path.basename(file);
  const varsName = base
    .replace(/CODE/, 'VARS')
    .replace(/code/, 'vars')
    .replace(/^edk2-x86_64-vars/, 'edk2-i386-vars');
  if (varsName !== base) {
    const vars = path.join(path.dirname(file), varsName);
    if (!exists(vars)) throw new OvmfError(`OVMF override ${file}: its VARS file ${vars} does not exist`);
    addPair(found, { code: file, vars, source: 'override' });
  } else {
    addUnified(found, { path: file, source: 'override' });
  }
}

export function discoverOvmf(opts: DiscoverOptions = {}): OvmfFound {
  const root = opts.root ?? '/';
  const env = opts.env ?? process.env;
  const exists = makeExists(root);
  const isDir = (p: string): boolean => {
    try {
      return fs.statSync(path.join(root, p)).isDirectory();
    } catch {
      return false;
    }
  };
  const found: OvmfFound = { searched: [], allPflash: [], allUnified: [], root };
  const override = opts.override ?? env.UEFI_HV_OVMF;
  if (override) {
    // An explicit choice never falls back to a guess: a wrong path is an error.
    const p = path.resolve(override);
    if (isDir(p)) searchFolder(p, 'override', exists, found);
    else if (exists(p)) overrideFile(p, exists, found);
    else throw new OvmfError(`OVMF override ${override} does not exist`);
    if (!found.pflash && !found.unified)
      throw new OvmfError(`OVMF override ${override}: no OVMF image in that folder`);
    return found;
  }
  if (env.OVMF_PATH && isDir(env.OVMF_PATH)) searchFolder(env.OVMF_PATH, 'OVMF_PATH', exists, found);
  for (const layout of LAYOUTS) {
    for (const [code, vars] of layout.pairs) {
      found.searched.push(code);
      if (exists(code) && exists(vars)) addPair(found, { code, vars, source: layout.source });
    }
    for (const u of layout.unified) {
      found.searched.push(u);
      if (exists(u)) addUnified(found, { path: u, source: layout.source });
    }
  }
  return found;
}

function notFound(what: string, found: OvmfFound): OvmfError {
  const dirs = [...new Set(found.searched.map((p) => path.dirname(p)))].join(', ');
  return new OvmfError(
    `${what} not found (looked in ${dirs}); install it: ${OVMF_INSTALL_HINT} (or pass --ovmf PATH)`,
  );
}

// QEMU: the pflash pair if there is one, else the single image through -bios.
export function firmwareForQemu(found: OvmfFound): { pflash: PflashPair } | { bios: UnifiedImage } {
  if (found.pflash) return { pflash: found.pflash };
  if (found.unified) return { bios: found.unified };
  throw notFound('OVMF', found);
}

// Bochs 2.7 maps at most 2 MiB of ROM below 4 GiB ("ROM image too large" otherwise): the first
// single image that fits, else the first pair whose VARS + CODE fit (joined: VARS then CODE).
export const BOCHS_MAX_ROM = 2 << 20;

export function firmwareForBochs(found: OvmfFound): UnifiedImage | { join: PflashPair } {
  const size = (p: string): number => {
    try {
      return fs.statSync(underRoot(found.root, p)).size;
    } catch {
      return Infinity;
    }
  };
  const image = found.allUnified.find((u) => size(u.path) <= BOCHS_MAX_ROM);
  if (image) return image;
  const pair = found.allPflash.find((p) => size(p.code) + size(p.vars) <= BOCHS_MAX_ROM);
  if (pair) return { join: pair };
  if (found.allUnified.length || found.allPflash.length) {
    const seen = [...found.allUnified.map((u) => u.path), ...found.allPflash.map((p) => p.code)].join(', ');
    throw new OvmfError(
      `Bochs needs an OVMF image of at most 2 MiB (the 2M build, e.g. Debian's /usr/share/ovmf/OVMF.fd); found only larger: ${seen}`,
    );
  }
  throw notFound('OVMF', found);
}

// Full path of a discovered file under the (possibly fake) root.
export function underRoot(root: string | undefined, p: string): string {
  return root && root !== '/' ? path.join(root, p) : p;
}
