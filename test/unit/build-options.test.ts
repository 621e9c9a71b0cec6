import * as assert from 'assert';
import { parseBuildArgs, UsageError } from '../../extension/src/build/options';

describe('uefi-hv build: options', () => {
  it('defaults to a standalone DEBUG build', () => {
    const o = parseBuildArgs([]);
    assert.deepStrictEqual(
      { toolchain: o.toolchain, target: o.target, edk2Tag: o.edk2Tag, help: o.help },
      { toolchain: 'standalone', target: 'DEBUG', edk2Tag: 'GCC', help: false },
    );
  });

  it('reads every option, in both --opt value and --opt=value forms', () => {
    const o = parseBuildArgs([
      '--toolchain',
      'edk2',
      '--target=NOOPT',
      '--edk2',
      '/opt/edk2',
      '--edk2-tag=CLANGDWARF',
      '--edk2-workspace',
      '/tmp/ws',
      '--driver-dir=/src/hv-driver',
    ]);
    assert.strictEqual(o.toolchain, 'edk2');
    assert.strictEqual(o.target, 'NOOPT');
    assert.strictEqual(o.edk2Dir, '/opt/edk2');
    assert.strictEqual(o.edk2Tag, 'CLANGDWARF');
    assert.strictEqual(o.edk2Workspace, '/tmp/ws');
    assert.strictEqual(o.driverDir, '/src/hv-driver');
  });

  it('accepts lower-case values and normalizes them', () => {
    const o = parseBuildArgs(['--target', 'release', '--edk2-tag', 'gccnolto']);
    assert.strictEqual(o.target, 'RELEASE');
    assert.strictEqual(o.edk2Tag, 'GCCNOLTO');
  });

  it('an EDK2 option without --toolchain means the EDK2 build', () => {
    assert.strictEqual(parseBuildArgs(['--edk2', '/opt/edk2']).toolchain, 'edk2');
    assert.strictEqual(parseBuildArgs(['--edk2-tag', 'GCC']).toolchain, 'edk2');
  });

  it('--help', () => {
    assert.strictEqual(parseBuildArgs(['--help']).help, true);
    assert.strictEqual(parseBuildArgs(['-h']).help, true);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--target', 'FAST'], /^--target FAST: expected one of DEBUG, RELEASE, NOOPT$/],
    [['--toolchain', 'msvc'], /^--toolchain msvc: expected one of standalone, edk2$/],
    [['--edk2-tag', 'GCC5'], /^--edk2-tag GCC5: expected one of GCC, CLANGDWARF, GCCNOLTO$/],
    [['--edk2'], /^--edk2 needs a value$/],
    [['--edk2', '--target', 'DEBUG'], /^--edk2 needs a value$/],
    [['--edk2='], /^--edk2 needs a value$/],
    [['--frobnicate'], /^unknown option '--frobnicate'$/],
    [['DEBUG'], /^unexpected argument 'DEBUG'$/],
    [['--toolchain', 'standalone', '--edk2', '/x'], /need --toolchain edk2$/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseBuildArgs(argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});
