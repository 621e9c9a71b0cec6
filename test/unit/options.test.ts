import * as assert from 'assert';
import { BOOT_OPTIONS, bootHelp, startupNshText } from '../../extension/src/cli/bootCommand';
import { CliError } from '../../extension/src/cli/errors';
import { intOption, parseOptions, regexOption, secondsOption } from '../../extension/src/cli/options';

function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CliError);
    return e;
  }
  assert.fail('expected a CliError');
}

describe('uefi-hv boot options', () => {
  it('parses values, --name=value, flags and repeats', () => {
    const o = parseOptions(
      [
        '--profile',
        'bochs',
        '--cpus=4',
        '--no-driver',
        '--profiles-dir',
        'a',
        '--profiles-dir=b',
        '--until',
        'hv: .*loaded',
      ],
      BOOT_OPTIONS,
      'boot',
    );
    assert.deepStrictEqual(o, {
      profile: 'bochs',
      cpus: '4',
      'no-driver': true,
      'profiles-dir': ['a', 'b'],
      until: 'hv: .*loaded',
    });
  });

  it('rejects unknown options, missing values, repeats and stray words with exit status 2', () => {
    for (const [argv, msg] of [
      [['--bogus'], 'unknown option --bogus (see uefi-hv boot --help)'],
      [['--profile'], '--profile needs a value (NAME)'],
      [['--profile', 'a', '--profile', 'b'], '--profile given twice'],
      [['bochs'], "unexpected argument 'bochs' (see uefi-hv boot --help)"],
      [['--help=yes'], '--help takes no value'],
    ] as [string[], string][]) {
      const e = cliError(() => parseOptions(argv, BOOT_OPTIONS, 'boot'));
      assert.strictEqual(e.message, msg);
      assert.strictEqual(e.exitCode, 2);
    }
  });

  it('checks numbers and regular expressions', () => {
    assert.strictEqual(intOption('2', 'cpus', 1, 64), 2);
    assert.strictEqual(
      cliError(() => intOption('0', 'cpus', 1, 64)).message,
      "--cpus must be an integer from 1 to 64 (got '0')",
    );
    assert.strictEqual(secondsOption('1.5', 'timeout'), 1.5);
    assert.match(cliError(() => secondsOption('soon', 'timeout')).message, /number of seconds/);
    assert.ok(regexOption('a+', 'until')!.test('aaa'));
    assert.match(cliError(() => regexOption('(', 'until')).message, /^--until: bad regular expression/);
  });

  it('--startup-nsh text turns \\n into line breaks', () => {
    assert.strictEqual(startupNshText('echo a\\nreset -s'), 'echo a\nreset -s\n');
  });

  it('documents every exit status in --help', () => {
    const help = bootHelp();
    for (const code of ['0', '2', '3', '4', '5', '6', '7', '130'])
      assert.match(help, new RegExp(`^  ${code} `, 'm'));
  });
});
