// One boot from the terminal: launch the target, stream its console to stdout (raw) and a serial
// log, forward stdin when asked, and end for exactly one reason, reported in one line on stderr.
import * as fs from 'fs';
import { DebugBridge } from '../target/debugBridge';
import { EspSpec } from '../target/esp';
import { launch, LaunchError, Target, TargetExit, TargetReset } from '../target/launcher';
import { Profile } from '../target/profiles';
import { ToolError } from '../target/tools';
import { CliError } from './errors';

// Exit statuses of `uefi-hv boot` (documented in its --help).
export const EXIT = {
  ok: 0, // --until matched, or powered off cleanly with no --until
  startup: 2, // bad input or a start-up failure: nothing left running
  timeout: 3,
  emulatorDied: 4,
  targetReset: 5,
  poweredOffEarly: 6, // powered off before --until matched
  driverFailed: 7, // the loader reported that HvDxe.efi did not load or start
  sigint: 130,
  sigterm: 143,
} as const;

export interface SessionOptions {
  command: string; // 'boot' / 'start', for messages
  profile: Profile;
  esp: EspSpec;
  cpus?: number;
  ovmf?: string;
  timeoutSeconds?: number; // 0 or undefined: no limit
  serialLog?: string;
  until?: RegExp;
  forwardStdin: boolean;
  watchLoader?: boolean; // end (status 7) when the loader says the driver failed
  keepRunDir?: boolean;
  resetsAllowed?: number; // guest resets that do not end the run (e.g. after `bcfg driver add`); default 0
  debugPort?: number; // bridge the emulator's COM2 (the profile must have debug com2) to 127.0.0.1:N
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

// HvLoader's lines when the driver does not load or start (hv-driver/loader/loader.c); the shell
// starts after them either way, so without this the boot would only end at the timeout.
export const LOADER_FAILURE =
  /uefi-hv loader: (?:cannot load|[^\n]* failed to start|no loaded image protocol|the boot device has no device path|out of memory)[^\n]*\n/;

// ANSI escapes (colours, cursor moves) stripped before --until matching; the raw bytes still reach stdout.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

export async function runBootSession(o: SessionOptions): Promise<number> {
  // process.stdout on a pipe writes synchronously: a slow reader would stall this process, the
  // console socket would fill, and QEMU's UART drops bytes after a few retries. Writes through the
  // libuv thread pool keep the event loop reading the console whatever the reader does.
  const stdout: NodeJS.WritableStream = o.stdout ?? fs.createWriteStream('', { fd: 1, autoClose: false });
  let stdoutBroken = false; // e.g. `uefi-hv boot | head`: keep running, stop writing there
  stdout.on('error', () => (stdoutBroken = true));
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`uefi-hv ${o.command}: ${line}\n`);
  let serialLog: fs.WriteStream | undefined;
  if (o.serialLog) {
    try {
      fs.writeFileSync(o.serialLog, '');
    } catch (e) {
      throw new CliError(
        `cannot write --serial-log ${o.serialLog}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        2,
      );
    }
    serialLog = fs.createWriteStream(o.serialLog, { flags: 'a' });
  }

  // A signal during start is remembered and acted on as soon as there is something to stop.
  let interrupted: NodeJS.Signals | undefined;
  let onSignal: (s: NodeJS.Signals) => void = (s) => (interrupted = s);
  const signalHandler = (s: NodeJS.Signals): void => onSignal(s);
  process.on('SIGINT', signalHandler);
  process.on('SIGTERM', signalHandler);
  const started = Date.now();
  let target: Target;
  try {
    target = await launch({
      profile: o.profile,
      esp: o.esp,
      cpus: o.cpus,
      ovmf: o.ovmf,
      keepRunDir: o.keepRunDir,
    });
  } catch (e) {
    process.off('SIGINT', signalHandler);
    process.off('SIGTERM', signalHandler);
    serialLog?.end();
    if (e instanceof LaunchError || e instanceof ToolError) throw new CliError(e.message, EXIT.startup);
    throw e;
  }
  const emulator = o.profile.emulator === 'bochs' ? o.profile.bochs.binary : o.profile.qemu.binary;
  say(`profile ${o.profile.name}: ${emulator} pid ${target.pid}, run folder ${target.runDir}`);
  let bridge: DebugBridge | undefined;
  if (o.debugPort !== undefined && target.debugPort !== undefined) {
    // Connect at once: Bochs' COM2 socket-server holds the machine until a client is there.
    bridge = new DebugBridge({ emulatorPort: target.debugPort, listenPort: o.debugPort });
    bridge.on('error', (e: Error) => say(e.message));
    try {
      await bridge.start();
      say(`debug link on 127.0.0.1:${o.debugPort} (gdb: target remote 127.0.0.1:${o.debugPort})`);
    } catch (e) {
      say(`debug link: cannot listen on 127.0.0.1:${o.debugPort}: ${(e as Error).message}`);
      await target.stop();
      process.off('SIGINT', signalHandler);
      process.off('SIGTERM', signalHandler);
      serialLog?.end();
      return EXIT.startup;
    }
  } else if (target.debugPort !== undefined) {
    // Bochs's socket-server COM2 holds the machine until a client connects (QEMU's does not).
    const hold = o.profile.emulator === 'bochs' ? '; Bochs runs the machine once a debugger connects' : '';
    say(`debug link (COM2) on 127.0.0.1:${target.debugPort}${hold}`);
  }

  let stdinRaw = false;
  let lastByte = 10;
  const result = await new Promise<{ code: number; why: string; exit: TargetExit }>((resolve) => {
    let ending: { code: number; why: string } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const endWith = (code: number, why: string): void => {
      if (ending) return;
      ending = { code, why };
      if (timer) clearTimeout(timer);
      void target.stop();
    };
    onSignal = (s) =>
      endWith(s === 'SIGINT' ? EXIT.sigint : EXIT.sigterm, `interrupted (${s}); emulator stopped`);
    if (interrupted) onSignal(interrupted);

    let window = '';
    target.console.on('data', (chunk: Buffer) => {
      lastByte = chunk[chunk.length - 1];
      if (!stdoutBroken) stdout.write(chunk);
      serialLog?.write(chunk);
      if ((!o.until && !o.watchLoader) || ending) return;
      window = (window + chunk.toString('latin1').replace(ANSI, '')).slice(-8192); // a match spanning more than 8 KiB is not a console line
      const failed = o.watchLoader && chunk.includes(10) ? LOADER_FAILURE.exec(window) : null;
      if (failed) return endWith(EXIT.driverFailed, `driver failed to load: ${failed[0].trim()}`);
      if (o.until?.exec(window)) {
        window = '';
        endWith(EXIT.ok, `matched /${o.until.source}/ after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
    let guestResets = 0;
    target.on('reset', (r: TargetReset) => {
      if (r.initiator !== 'guest') return;
      guestResets++;
      if (guestResets > (o.resetsAllowed ?? 0)) endWith(EXIT.targetReset, `target reset: ${r.detail}`);
      else say(`target reset ${guestResets} of ${o.resetsAllowed ?? 0} allowed (${r.detail}); running on`);
    });
    target.on('exit', (exit: TargetExit) => {
      if (ending) return resolve({ ...ending, exit });
      if (exit.reason === 'poweroff') {
        if (o.until)
          resolve({
            code: EXIT.poweredOffEarly,
            why: `target powered off before /${o.until.source}/ appeared`,
            exit,
          });
        else resolve({ code: EXIT.ok, why: exit.detail, exit });
      } else {
        resolve({ code: EXIT.emulatorDied, why: `emulator died: ${exit.detail}`, exit });
      }
    });
    if (o.timeoutSeconds) {
      const s = o.timeoutSeconds;
      timer = setTimeout(
        () =>
          endWith(EXIT.timeout, `timed out after ${s} s${o.until ? ` waiting for /${o.until.source}/` : ''}`),
        s * 1000,
      );
    }
    if (o.forwardStdin) {
      const stdin = process.stdin;
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        stdinRaw = true;
      }
      stdin.on('data', (d: Buffer) => {
        // Raw mode delivers Ctrl-C as a byte: it still means "stop", as the README promises.
        if (stdinRaw && d.includes(3)) return endWith(EXIT.sigint, 'interrupted (Ctrl-C); emulator stopped');
        target.write(d);
      });
      stdin.resume();
    }
  });

  await bridge?.close();
  if (stdinRaw) process.stdin.setRawMode(false);
  if (o.forwardStdin) process.stdin.pause();
  process.off('SIGINT', signalHandler);
  process.off('SIGTERM', signalHandler);
  if (serialLog) await new Promise<void>((r) => serialLog!.end(() => r()));
  if (!stdoutBroken) await new Promise<void>((r) => stdout.write('', () => r())); // all out before the last line
  // The console rarely ends on a line break (the shell prompt): start the closing line on its own.
  if (lastByte !== 10) stderr.write('\n');
  say(result.why);
  return result.code;
}
