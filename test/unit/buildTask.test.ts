import * as assert from 'assert';
import * as path from 'path';
import { defaultWorkspace, edk2Outputs } from '../../extension/src/build/edk2';
import {
  BuildDefaults,
  buildOutputsDir,
  cliBuildArgs,
  completeDefinition,
  providedDefinitions,
  taskName,
} from '../../extension/src/tasks/buildTask';
import { parseBuildArgs } from '../../extension/src/build/options';

const D: BuildDefaults = { target: 'DEBUG', toolchain: 'clang', driverDir: '/ws/hv-driver' };

describe('build task definitions -> uefi-hv build', () => {
  it('Boot after a build boots that build: standalone folder, or the EDK2 build workspace', () => {
    assert.strictEqual(
      buildOutputsDir({ type: 'uefi-hv', kind: 'standalone', target: 'NOOPT' }, D),
      '/ws/hv-driver/build/NOOPT',
    );
    const d = { ...D, toolchain: 'CLANGDWARF', edk2Workspace: '/opt/edk2' };
    const def = { type: 'uefi-hv', kind: 'edk2', target: 'NOOPT' } as const;
    const dir = buildOutputsDir(def, d)!;
    assert.strictEqual(dir, '/ws/hv-driver/build/edk2-ws/Build/HvPkg/NOOPT_CLANGDWARF/X64');
    // The task's CLI line names no build workspace: the CLI builds in its default, the folder above.
    const cli = parseBuildArgs(cliBuildArgs(def, d).slice(1));
    assert.strictEqual(cli.edk2Workspace, undefined);
    const out = edk2Outputs(defaultWorkspace('/ws/hv-driver'), cli.edk2Tag, cli.target);
    assert.deepStrictEqual(
      [out.driverEfi, out.symbols, out.loaderEfi],
      ['HvDxe.efi', 'HvDxe.debug', 'HvLoader.efi'].map((f) => path.join(dir, f)),
    );
    assert.strictEqual(buildOutputsDir(def, { ...d, driverDir: undefined }), undefined);
  });

  it('a standalone task takes the settings defaults and becomes CLI arguments', () => {
    assert.deepStrictEqual(cliBuildArgs({ type: 'uefi-hv', kind: 'standalone' }, D), [
      'build',
      '--toolchain',
      'standalone',
      '--target',
      'DEBUG',
      '--driver-dir',
      '/ws/hv-driver',
    ]);
    // Exactly what the CLI's own parser accepts.
    const parsed = parseBuildArgs(
      cliBuildArgs({ type: 'uefi-hv', kind: 'standalone', target: 'NOOPT' }, D).slice(1),
    );
    assert.strictEqual(parsed.toolchain, 'standalone');
    assert.strictEqual(parsed.target, 'NOOPT');
    assert.strictEqual(
      taskName({ type: 'uefi-hv', kind: 'standalone', target: 'NOOPT' }, D),
      'build standalone NOOPT',
    );
  });

  it('an EDK2 task passes the EDK2 tree and the toolchain tag; GCC by default', () => {
    const d = { ...D, edk2Workspace: '/opt/edk2' };
    const args = cliBuildArgs({ type: 'uefi-hv', kind: 'edk2', target: 'NOOPT' }, d);
    assert.deepStrictEqual(args, [
      'build',
      '--toolchain',
      'edk2',
      '--target',
      'NOOPT',
      '--edk2-tag',
      'GCC',
      '--edk2',
      '/opt/edk2',
      '--driver-dir',
      '/ws/hv-driver',
    ]);
    const parsed = parseBuildArgs(args.slice(1));
    assert.deepStrictEqual(
      [parsed.toolchain, parsed.target, parsed.edk2Tag, parsed.edk2Dir],
      ['edk2', 'NOOPT', 'GCC', '/opt/edk2'],
    );
    assert.strictEqual(
      taskName({ type: 'uefi-hv', kind: 'edk2', toolchain: 'CLANGDWARF' }, d),
      'build edk2 DEBUG CLANGDWARF',
    );
    // An EDK2 toolchain setting applies to EDK2 tasks; standalone ones stay on clang.
    const g = { ...d, toolchain: 'GCCNOLTO' };
    assert.strictEqual(completeDefinition({ type: 'uefi-hv', kind: 'edk2' }, g).toolchain, 'GCCNOLTO');
    assert.strictEqual(completeDefinition({ type: 'uefi-hv', kind: 'standalone' }, g).toolchain, 'clang');
  });

  it('wrong definitions fail with one clear line', () => {
    assert.throws(
      () => completeDefinition({ type: 'uefi-hv', kind: 'edk2', toolchain: 'GCC5' }, D),
      /GCC5 was removed/,
    );
    assert.throws(
      () => completeDefinition({ type: 'uefi-hv', kind: 'standalone', toolchain: 'GCC' }, D),
      /needs kind "edk2"/,
    );
    assert.throws(
      () => completeDefinition({ type: 'uefi-hv', kind: 'standalone', target: 'FAST' }, D),
      /target must be/,
    );
    assert.throws(
      () => completeDefinition({ type: 'uefi-hv', kind: 'cmake' as 'edk2' }, D),
      /kind must be "standalone" or "edk2"/,
    );
  });

  it('provides standalone tasks always (settings target first), EDK2 ones only with an EDK2 tree', () => {
    const d = { ...D, target: 'NOOPT' };
    assert.deepStrictEqual(
      providedDefinitions(d, false).map((x) => taskName(x, d)),
      ['build standalone NOOPT', 'build standalone DEBUG', 'build standalone RELEASE'],
    );
    assert.deepStrictEqual(
      providedDefinitions(d, true)
        .filter((x) => x.kind === 'edk2')
        .map((x) => taskName(x, d)),
      ['build edk2 NOOPT GCC', 'build edk2 DEBUG GCC', 'build edk2 RELEASE GCC'],
    );
  });
});
