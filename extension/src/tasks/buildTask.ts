// The `uefi-hv` task type: what a build task says (kind, target, toolchain) and how it becomes a
// `uefi-hv build` command line. The task runs the CLI itself, so a build from VS Code and one from
// a terminal are the same code with the same output (which the problem matchers read).

import * as path from 'path';
import { defaultWorkspace, edk2Outputs } from '../build/edk2';
import type { BuildTarget as OutputTarget, Edk2Tag } from '../build/result';

export type BuildKind = 'standalone' | 'edk2';
export const BUILD_TARGETS = ['DEBUG', 'RELEASE', 'NOOPT'] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];
export const STANDALONE_TOOLCHAINS = ['clang'] as const;
export const EDK2_TOOLCHAINS = ['GCC', 'GCCNOLTO', 'CLANGDWARF'] as const;

export interface BuildTaskDefinition {
  type: 'uefi-hv';
  kind: BuildKind;
  target?: string;
  toolchain?: string;
}

export interface BuildDefaults {
  target: string; // setting uefi-hv.build.target
  toolchain: string; // setting uefi-hv.build.toolchain
  edk2Workspace?: string; // setting uefi-hv.paths.edk2Workspace (discovered when empty)
  driverDir?: string; // setting uefi-hv.paths.driver
}

// Every matcher the manifest contributes, in the order VS Code should try them.
export const PROBLEM_MATCHERS = [
  '$uefi-hv-cc',
  '$uefi-hv-nasm',
  '$uefi-hv-nasm-fatal',
  '$uefi-hv-edk2',
  '$uefi-hv-edk2-noline',
  '$uefi-hv-edk2-module',
  '$uefi-hv-ld',
  '$uefi-hv-lld',
  '$uefi-hv-lld-coff',
];

export class BuildTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildTaskError';
  }
}

function isEdk2Toolchain(t: string): boolean {
  return (EDK2_TOOLCHAINS as readonly string[]).includes(t);
}

// The definition with every default filled in and checked; throws one clear line when wrong.
export function completeDefinition(
  def: BuildTaskDefinition,
  d: BuildDefaults,
): Required<BuildTaskDefinition> {
  if (def.kind !== 'standalone' && def.kind !== 'edk2')
    throw new BuildTaskError(
      `uefi-hv task: kind must be "standalone" or "edk2", not ${JSON.stringify(def.kind)}`,
    );
  const target = def.target ?? d.target;
  if (!(BUILD_TARGETS as readonly string[]).includes(target))
    throw new BuildTaskError(
      `uefi-hv task: target must be one of ${BUILD_TARGETS.join(', ')}, not "${target}"`,
    );
  let toolchain = def.toolchain;
  if (toolchain === undefined) {
    // The setting's toolchain applies when it fits the kind; else the kind's own default.
    const wanted = d.toolchain;
    if (def.kind === 'edk2') toolchain = isEdk2Toolchain(wanted) ? wanted : 'GCC';
    else toolchain = isEdk2Toolchain(wanted) ? 'clang' : wanted;
  }
  if (def.kind === 'standalone' && !(STANDALONE_TOOLCHAINS as readonly string[]).includes(toolchain))
    throw new BuildTaskError(
      `uefi-hv task: the standalone build uses clang; toolchain "${toolchain}" needs kind "edk2"`,
    );
  if (def.kind === 'edk2' && !isEdk2Toolchain(toolchain))
    throw new BuildTaskError(
      `uefi-hv task: EDK2 toolchain must be one of ${EDK2_TOOLCHAINS.join(', ')}, not "${toolchain}"` +
        (toolchain === 'GCC5' ? ' (GCC5 was removed from EDK2; use GCC)' : ''),
    );
  return { type: 'uefi-hv', kind: def.kind, target, toolchain };
}

// The `uefi-hv build` arguments for a task (after the CLI entry); options as in
// extension/src/build/options.ts.
export function cliBuildArgs(def: BuildTaskDefinition, d: BuildDefaults): string[] {
  const c = completeDefinition(def, d);
  const args = ['build', '--toolchain', c.kind, '--target', c.target];
  if (c.kind === 'edk2') {
    args.push('--edk2-tag', c.toolchain);
    if (d.edk2Workspace) args.push('--edk2', d.edk2Workspace);
  }
  if (d.driverDir) args.push('--driver-dir', d.driverDir);
  return args;
}

// "build standalone DEBUG", "build edk2 NOOPT CLANGDWARF": the label in Run Task and in
// launch.json's preLaunchTask ("uefi-hv: build standalone DEBUG").
export function taskName(def: BuildTaskDefinition, d: BuildDefaults): string {
  const c = completeDefinition(def, d);
  const parts = ['build', c.kind, c.target];
  if (c.kind === 'edk2') parts.push(c.toolchain);
  return parts.join(' ');
}

// What Run Task offers: the standalone build for every target, and the EDK2 ones when an EDK2
// tree is known. The settings' target comes first.
export function providedDefinitions(d: BuildDefaults, edk2Available: boolean): BuildTaskDefinition[] {
  const targets = [d.target, ...BUILD_TARGETS.filter((t) => t !== d.target)];
  const defs: BuildTaskDefinition[] = targets.map((target) => ({
    type: 'uefi-hv',
    kind: 'standalone',
    target,
  }));
  if (edk2Available) {
    const tc = isEdk2Toolchain(d.toolchain) ? d.toolchain : 'GCC';
    for (const target of targets) defs.push({ type: 'uefi-hv', kind: 'edk2', target, toolchain: tc });
  }
  return defs;
}

// The folder where a build task's images land (HvDxe.efi, HvDxe.debug, HvLoader.efi): what Boot and
// a launch configuration boot after that build. The EDK2 build writes into its build workspace
// (the task passes none, so the CLI's default <driver>/build/edk2-ws), not the standalone folder.
export function buildOutputsDir(def: BuildTaskDefinition, d: BuildDefaults): string | undefined {
  if (!d.driverDir) return undefined;
  const c = completeDefinition(def, d);
  if (c.kind === 'standalone') return path.join(d.driverDir, 'build', c.target);
  const out = edk2Outputs(defaultWorkspace(d.driverDir), c.toolchain as Edk2Tag, c.target as OutputTarget);
  return path.dirname(out.driverEfi);
}
