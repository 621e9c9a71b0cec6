// uefi-hv start: the README's main command. Build the driver if needed, pick the best profile this
// host can run (nested KVM, else Bochs), boot with the console in the terminal and stdin forwarded,
// until Ctrl-C or power-off.
import { readHostFacts, whyCannotRun } from '../target/hostcaps';
import { CliError } from './errors';
import { checkRunnable, driverEsp, loadProfileSet } from './bootCommand';
import { runBootSession } from './bootSession';
import { OptionSpec, optionsHelp, parseOptions } from './options';

const START_OPTIONS: OptionSpec[] = [
  {
    name: 'profile',
    value: 'NAME',
    help: 'force a profile (default: qemu-kvm if this host can run it, else bochs)',
  },
  { name: 'profiles-dir', value: 'DIR', repeat: true, help: 'extra folder of user profiles' },
  { name: 'ovmf', value: 'PATH', help: 'OVMF image or folder (default: discovered)' },
  { name: 'serial-log', value: 'FILE', help: 'also write the console bytes to FILE' },
  { name: 'help', help: 'this text' },
];

export async function runStartCommand(argv: string[]): Promise<number> {
  const o = parseOptions(argv, START_OPTIONS, 'start');
  if (o.help) {
    console.log(
      [
        'usage: uefi-hv start [options]',
        '',
        optionsHelp(START_OPTIONS),
        '',
        'Ctrl-C stops the emulator.',
      ].join('\n'),
    );
    return 0;
  }
  const set = loadProfileSet(o['profiles-dir'] as string[] | undefined);
  const say = (l: string): void => void process.stderr.write(`uefi-hv start: ${l}\n`);
  let name = o.profile as string | undefined;
  if (!name) {
    const kvm = set.get('qemu-kvm');
    const why = whyCannotRun(kvm, readHostFacts());
    name = why ? 'bochs' : 'qemu-kvm';
    if (why) say(`qemu-kvm cannot run here (${why}); using bochs`);
  }
  const profile = set.profiles.get(name);
  if (!profile)
    throw new CliError(`unknown profile '${name}' (have: ${[...set.profiles.keys()].sort().join(', ')})`, 2);
  checkRunnable(profile, o.ovmf as string | undefined);
  const esp = await driverEsp({}, say);
  return runBootSession({
    command: 'start',
    profile,
    esp,
    ovmf: o.ovmf as string | undefined,
    serialLog: o['serial-log'] as string | undefined,
    forwardStdin: true,
    watchLoader: true,
  });
}
