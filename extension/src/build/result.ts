// What a driver build produces, whichever toolchain made it.

export const BUILD_TARGETS = ['DEBUG', 'RELEASE', 'NOOPT'] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];

export const EDK2_TAGS = ['GCC', 'CLANGDWARF', 'GCCNOLTO'] as const;
export type Edk2Tag = (typeof EDK2_TAGS)[number];

export const TOOLCHAINS = ['standalone', 'edk2'] as const;
export type Toolchain = (typeof TOOLCHAINS)[number];

export interface BuildResult {
  toolchain: Toolchain;
  target: BuildTarget;
  /** Set for EDK2 builds. */
  edk2Tag?: Edk2Tag;
  /** The driver image (PE32+, subsystem 11) to copy to \EFI\uefi-hv\HvDxe.efi. */
  driverEfi: string;
  /** DWARF for gdb: `add-symbol-file <symbols> -o <load base>` (both builds link at ImageBase 0). */
  symbols: string;
  /** The loader application (subsystem 10) to copy to \EFI\BOOT\BOOTX64.EFI. */
  loaderEfi: string;
  durationMs: number;
}

/** A build that could not run or did not succeed. The message is one line meant for the user;
 * the compiler's own diagnostics have already been streamed unchanged. */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

/** Where build output goes while it runs (the CLI: stderr; the extension: a task terminal). */
export type OutputSink = (chunk: string) => void;
