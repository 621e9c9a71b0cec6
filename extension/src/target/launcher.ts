// One interface over Bochs and QEMU: launch() -> a Target whose console is a byte stream (writes go
// to the firmware's COM1, so the UEFI shell is usable), with 'reset' and 'exit' events, stop() and
// reset(). Everything a run creates lives in one run folder, removed when the target is gone; the
// emulator runs in its own process group, killed as a group.
import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import {
  BOCHS_DEBUGGER_RC,
  BOCHS_VGA_ROMS,
  bochsArgs,
  bochsEnd,
  bochsrc,
  countResets,
  lastResetKind,
  readTail,
} from './bochs';
import { buildEspImage, EspSpec } from './esp';
import { discoverOvmf, firmwareForBochs, firmwareForQemu, OvmfError } from './ovmf';
import { freePort, releasePort } from './ports';
import { Profile } from './profiles';
import { QmpClient, QmpEvent } from './qmp';
import { qemuArgs } from './qemu';
import { requireExecutable, run } from './tools';

export interface LaunchOptions {
  profile: Profile;
  esp: EspSpec;
  cpus?: number; // overrides the profile
  ovmf?: string; // firmware override (file or folder); else the profile's, else discovery
  env?: NodeJS.ProcessEnv;
  runRoot?: string; // parent of the run folder (default: the OS temp folder)
  keepRunDir?: boolean; // for post-mortems
  startTimeoutMs?: number; // default: the profile's timeouts.startSeconds
  watchdog?: boolean; // default true: kill the emulator if this process dies without stop()
}

export type ExitReason = 'poweroff' | 'stopped' | 'died';
export interface TargetExit {
  reason: ExitReason;
  code: number | null;
  signal: NodeJS.Signals | null;
  detail: string; // one line for the user
}
export interface TargetReset {
  initiator: 'guest' | 'host';
  detail: string;
}

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

interface Prepared {
  binary: string;
  args: string[];
  connectConsole?: () => net.NetConnectOpts; // a socket the emulator serves (Bochs)
  consoleFifo?: string; // or QEMU's pipe chardev: <path>.out (guest output) and <path>.in (input)
  qmpSocket?: string;
  logFile?: string;
  debugPort?: number;
  ports: number[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function lastLines(file: string, n = 3): string {
  return readTail(file, 8192)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^=+$/.test(l))
    .slice(-n)
    .join(' | ');
}

// Events: 'reset' (TargetReset), 'exit' (TargetExit, after the run folder is gone).
export class Target extends EventEmitter {
  readonly console = new PassThrough();
  private socket?: net.Socket; // console output (and input, for a socket)
  private input?: net.Socket; // console input when it is a separate FIFO
  private qmp?: QmpClient;
  private stopping = false;
  private ended?: Promise<TargetExit>;
  private resolveEnded!: (e: TargetExit) => void;
  private lastShutdown?: QmpEvent;
  private logTimer?: NodeJS.Timeout;
  private resetsSeen = 0;

  constructor(
    readonly profile: Profile,
    readonly child: ChildProcess,
    readonly runDir: string,
    private readonly prepared: Prepared,
    private readonly outputFile: string,
    private readonly keepRunDir: boolean,
  ) {
    super();
    this.ended = new Promise((r) => (this.resolveEnded = r));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }
  get debugPort(): number | undefined {
    return this.prepared.debugPort;
  }
  get exited(): Promise<TargetExit> {
    return this.ended!;
  }

  // Bytes typed into the firmware console (COM1).
  write(data: string | Buffer): void {
    (this.input ?? this.socket)?.write(data);
  }

  async attach(startTimeoutMs: number): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    const childGone = new Promise<void>((r) => this.child.once('exit', () => r()));
    let exited = false;
    void childGone.then(() => (exited = true));
    let consoleClosed: Promise<void>;
    if (this.prepared.consoleFifo) {
      // FIFOs opened read-write never block and never see EOF; readiness comes from QMP below.
      // Each end one-way: a readable socket on the input FIFO would steal the keys QEMU should read.
      const open = (f: string, readable: boolean): net.Socket => {
        const fd = fs.openSync(f, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
        return new net.Socket({ fd, readable, writable: !readable });
      };
      this.socket = open(`${this.prepared.consoleFifo}.out`, true);
      this.input = open(`${this.prepared.consoleFifo}.in`, false);
      this.input.on('error', () => undefined);
      consoleClosed = childGone.then(() => sleep(200)); // what QEMU wrote is in the pipe already
    } else {
      // The emulator listens on the console socket once its devices exist; retry until then.
      for (;;) {
        if (exited) throw this.startFailure();
        try {
          this.socket = await this.connectOnce(this.prepared.connectConsole!());
          break;
        } catch {
          if (Date.now() > deadline) {
            throw new LaunchError(
              `${path.basename(this.prepared.binary)} did not open its console within ${startTimeoutMs} ms`,
            );
          }
          await sleep(100);
        }
      }
      const sock = this.socket;
      sock.setNoDelay(true); // Bochs sends one byte per send(): no Nagle/delayed-ACK stalls
      consoleClosed = new Promise<void>((r) => sock.once('close', () => r()));
    }
    const socket = this.socket;
    socket.on('data', (d) => this.console.write(d));
    socket.on('error', () => undefined); // the emulator dying closes it; 'exit' says why

    if (this.prepared.qmpSocket) {
      const qmp = new QmpClient({ timeoutMs: Math.max(2000, this.profile.timeouts.shutdownSeconds * 1000) });
      for (;;) {
        try {
          await qmp.connect({ path: this.prepared.qmpSocket });
          break;
        } catch (e) {
          if (exited) throw this.startFailure();
          if (Date.now() > deadline) throw new LaunchError(`QMP did not answer: ${(e as Error).message}`);
          await sleep(100);
        }
      }
      this.qmp = qmp;
      qmp.on('RESET', (ev: QmpEvent) => {
        const guest = ev.data?.guest === true;
        this.emit('reset', {
          initiator: guest ? 'guest' : 'host',
          detail: `QEMU reset (${String(ev.data?.reason ?? 'unknown')})`,
        });
      });
      qmp.on('SHUTDOWN', (ev: QmpEvent) => (this.lastShutdown = ev));
    }
    if (this.prepared.logFile) this.watchBochsLog(this.prepared.logFile);

    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      void this.finish(code, signal, consoleClosed);
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      onExit(this.child.exitCode, this.child.signalCode);
    else this.child.once('exit', onExit);
  }

  private startFailure(): LaunchError {
    const log = this.prepared.logFile
      ? bochsEnd(this.child.exitCode, readTail(this.prepared.logFile)).detail
      : '';
    return new LaunchError(
      `${path.basename(this.prepared.binary)} exited during start: ${log || lastLines(this.outputFile)}`,
    );
  }

  private connectOnce(opts: net.NetConnectOpts): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(opts);
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => {
        s.destroy();
        reject(e);
      });
    });
  }

  // Bochs has no control channel: a machine reset shows as another Reset() line in its log. The
  // log is read incrementally (it grows for as long as the target runs).
  private watchBochsLog(logFile: string): void {
    let offset = 0;
    let partial = '';
    this.logTimer = setInterval(() => {
      let fd: number | undefined;
      try {
        fd = fs.openSync(logFile, 'r');
        const size = fs.fstatSync(fd).size;
        if (size <= offset) return;
        const buf = Buffer.alloc(Math.min(size - offset, 4 << 20));
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        const text = partial + buf.toString('latin1', 0, n);
        const cut = text.lastIndexOf('\n') + 1;
        partial = text.slice(cut);
        const resets = countResets(text.slice(0, cut));
        if (resets) {
          this.resetsSeen += resets;
          // The first Reset() line is power-on.
          if (this.resetsSeen > 1)
            this.emit('reset', {
              initiator: 'guest',
              detail: `Bochs machine reset (${lastResetKind(text.slice(0, cut))})`,
            });
        }
      } catch {
        // not written yet
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }, 500);
    this.logTimer.unref();
  }

  private async finish(
    code: number | null,
    signal: NodeJS.Signals | null,
    consoleClosed: Promise<void>,
  ): Promise<void> {
    if (this.logTimer) clearInterval(this.logTimer);
    // Let the last console bytes arrive before saying why it ended.
    await Promise.race([consoleClosed, sleep(1000)]);
    this.socket?.destroy();
    this.input?.destroy();
    await this.qmp?.close();
    let exit: TargetExit;
    const out = lastLines(this.outputFile);
    if (this.stopping) {
      exit = { reason: 'stopped', code, signal, detail: 'stopped' };
    } else if (this.prepared.logFile) {
      const end = bochsEnd(code, readTail(this.prepared.logFile, 4 << 20));
      exit = end.poweroff
        ? { reason: 'poweroff', code, signal, detail: end.detail }
        : {
            reason: 'died',
            code,
            signal,
            detail: end.detail || `Bochs ended (${signal ?? `status ${code}`}) ${out}`.trim(),
          };
    } else {
      const sd = this.lastShutdown?.data;
      if (code === 0 && sd?.guest === true && sd.reason === 'guest-shutdown') {
        exit = { reason: 'poweroff', code, signal, detail: 'target powered off (ACPI soft off)' };
      } else if (code === 0 && sd?.reason === 'host-qmp-quit') {
        exit = { reason: 'stopped', code, signal, detail: 'stopped (QMP quit)' };
      } else {
        exit = {
          reason: 'died',
          code,
          signal,
          detail: `QEMU ended (${signal ?? `status ${code}`}) ${out}`.trim(),
        };
      }
    }
    this.killGroup('SIGKILL');
    this.cleanup();
    this.console.end();
    this.resolveEnded(exit);
    this.emit('exit', exit);
  }

  killGroup(signal: NodeJS.Signals): void {
    if (!this.child.pid) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  cleanup(): void {
    for (const p of this.prepared.ports) releasePort(p);
    if (!this.keepRunDir) fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  // Polite stop (QMP quit / SIGTERM), then SIGKILL after the profile's shutdown time.
  async stop(): Promise<TargetExit> {
    if (!this.stopping && this.child.exitCode === null && this.child.signalCode === null) {
      this.stopping = true;
      if (this.qmp?.connected) {
        this.qmp.execute('quit').catch(() => undefined);
      } else {
        this.killGroup('SIGTERM');
      }
      const grace = setTimeout(() => this.killGroup('SIGKILL'), this.profile.timeouts.shutdownSeconds * 1000);
      const exit = await this.ended!;
      clearTimeout(grace);
      return exit;
    }
    return this.ended!;
  }

  // Host-initiated reset: QEMU only (Bochs has no control channel).
  async reset(): Promise<void> {
    if (!this.qmp)
      throw new LaunchError(`${this.profile.emulator} cannot be reset from outside; stop and boot again`);
    await this.qmp.execute('system_reset');
  }

  // Raw QMP for callers that need more (query-status, stop, cont); undefined for Bochs.
  get qmpClient(): QmpClient | undefined {
    return this.qmp;
  }
}

async function prepareBochs(
  o: LaunchOptions,
  runDir: string,
  espImage: string,
  env: NodeJS.ProcessEnv,
): Promise<Prepared> {
  const p = o.profile;
  const binary = requireExecutable(p.bochs.binary, env);
  const vgaRom = BOCHS_VGA_ROMS.find((f) => fs.existsSync(f));
  if (!vgaRom)
    throw new LaunchError(
      `Bochs VGA ROM not found (${BOCHS_VGA_ROMS[0]}); install it: sudo apt-get install vgabios`,
    );
  if (p.bochs.msrs !== undefined && !fs.existsSync(p.bochs.msrs))
    throw new LaunchError(`profile ${p.name}: Bochs MSR file ${p.bochs.msrs} does not exist (bochs.msrs)`);
  const fw = firmwareForBochs(discoverOvmf({ override: o.ovmf ?? firmwareSetting(p), env }));
  let romImage: string;
  if ('join' in fw) {
    // One image = VARS then CODE of the same build (how OVMF.fd itself is laid out).
    romImage = path.join(runDir, 'OVMF.fd');
    fs.writeFileSync(romImage, Buffer.concat([fs.readFileSync(fw.join.vars), fs.readFileSync(fw.join.code)]));
  } else {
    romImage = fw.path;
  }
  const romSize = fs.statSync(romImage).size;
  const consolePort = await freePort();
  const debugPort = p.serial.debug === 'com2' ? await freePort() : undefined;
  const logFile = path.join(runDir, 'bochs.log');
  const rcFile = path.join(runDir, 'bochsrc');
  const dbgRc = path.join(runDir, 'debugger.rc');
  const cpus = o.cpus ?? p.cpus;
  fs.writeFileSync(
    rcFile,
    bochsrc({ profile: p, cpus, romImage, romSize, vgaRom, espImage, consolePort, debugPort, logFile }),
  );
  fs.writeFileSync(dbgRc, BOCHS_DEBUGGER_RC);
  return {
    binary,
    args: bochsArgs(rcFile, dbgRc),
    connectConsole: () => ({ host: '127.0.0.1', port: consolePort }),
    logFile,
    debugPort,
    ports: debugPort === undefined ? [consolePort] : [consolePort, debugPort],
  };
}

async function prepareQemu(
  o: LaunchOptions,
  runDir: string,
  espImage: string,
  env: NodeJS.ProcessEnv,
): Promise<Prepared> {
  const p = o.profile;
  const binary = requireExecutable(p.qemu.binary, env);
  const fw = firmwareForQemu(discoverOvmf({ override: o.ovmf ?? firmwareSetting(p), env }));
  let firmware: { pflash: { code: string; vars: string } } | { bios: string };
  if ('pflash' in fw) {
    const vars = path.join(runDir, 'OVMF_VARS.fd'); // per-run copy: the target may write variables
    fs.copyFileSync(fw.pflash.vars, vars);
    firmware = { pflash: { code: fw.pflash.code, vars } };
  } else {
    firmware = { bios: fw.bios.path };
  }
  // The console goes through a pipe chardev (FIFOs), not a socket: the UART writes one byte per
  // write(), and a unix socket accounts a whole buffer per byte, fills after a few hundred bytes
  // when the reader lags, and QEMU's 16550 drops a byte after four failed retries. A FIFO holds
  // 64 KiB of single-byte writes.
  const consoleFifo = path.join(runDir, 'console');
  await run('mkfifo', ['-m', '600', `${consoleFifo}.in`, `${consoleFifo}.out`], { env });
  const qmpSocket = path.join(runDir, 'qmp.sock');
  const debugPort = p.serial.debug === 'com2' ? await freePort() : undefined;
  const cpus = o.cpus ?? p.cpus;
  return {
    binary,
    args: qemuArgs({ profile: p, cpus, firmware, espImage, consoleFifo, qmpSocket, debugPort }),
    consoleFifo,
    qmpSocket,
    debugPort,
    ports: debugPort === undefined ? [] : [debugPort],
  };
}

// $1 = our pid, $2 = run folder ('' to keep it), then the emulator and its arguments. The watchdog
// polls once a second; `exec` keeps the emulator's pid equal to the spawned child's.
const WATCHDOG = `owner=$1 dir=$2; shift 2
( trap '' HUP INT TERM
  while kill -0 "$owner" 2>/dev/null; do sleep 1; done
  [ -n "$dir" ] && rm -rf "$dir"
  kill -KILL 0 ) </dev/null >/dev/null 2>&1 &
exec "$@"`;

function firmwareSetting(p: Profile): string | undefined {
  return p.firmware === 'auto' ? undefined : p.firmware;
}

// Check everything that can be checked without starting anything (binaries, firmware).
export function preflight(o: LaunchOptions): void {
  const env = o.env ?? process.env;
  const p = o.profile;
  requireExecutable(p.emulator === 'bochs' ? p.bochs.binary : p.qemu.binary, env);
  const found = discoverOvmf({ override: o.ovmf ?? firmwareSetting(p), env });
  if (p.emulator === 'bochs') firmwareForBochs(found);
  else firmwareForQemu(found);
  if (p.emulator === 'qemu') requireExecutable('mkfifo', env);
  requireExecutable('mkfs.fat', env);
  requireExecutable('mcopy', env);
}

async function launchOnce(o: LaunchOptions): Promise<Target> {
  const env = o.env ?? process.env;
  const runDir = fs.mkdtempSync(path.join(o.runRoot ?? os.tmpdir(), `uefi-hv-${o.profile.name}-`));
  let target: Target | undefined;
  try {
    const espImage = await buildEspImage(o.esp, path.join(runDir, 'esp.img'), env);
    const prepared =
      o.profile.emulator === 'bochs'
        ? await prepareBochs(o, runDir, espImage, env)
        : await prepareQemu(o, runDir, espImage, env);
    const outputFile = path.join(runDir, 'emulator.out');
    const outFd = fs.openSync(outputFile, 'w');
    // Own process group (detached) so stop() reaches every process the emulator starts; stdin is
    // /dev/null so Bochs's debugger never waits on a terminal.
    // The emulator's group also holds a watchdog (a forked sh) that kills the group and removes the
    // run folder if this process dies without stopping it (SIGKILL, crash): nothing outlives us.
    const child =
      o.watchdog === false
        ? spawn(prepared.binary, prepared.args, {
            cwd: runDir,
            env,
            detached: true,
            stdio: ['ignore', outFd, outFd],
          })
        : spawn(
            '/bin/sh',
            [
              '-c',
              WATCHDOG,
              'uefi-hv-emulator',
              String(process.pid),
              o.keepRunDir ? '' : runDir,
              prepared.binary,
              ...prepared.args,
            ],
            {
              cwd: runDir,
              env,
              detached: true,
              stdio: ['ignore', outFd, outFd],
            },
          );
    fs.closeSync(outFd);
    child.on('error', () => undefined); // spawn failures show as an exit during start
    target = new Target(o.profile, child, runDir, prepared, outputFile, !!o.keepRunDir);
    await target.attach(o.startTimeoutMs ?? o.profile.timeouts.startSeconds * 1000);
    return target;
  } catch (e) {
    if (target) {
      target.killGroup('SIGKILL');
      await new Promise<void>((r) =>
        target!.child.exitCode !== null || target!.child.signalCode !== null
          ? r()
          : target!.child.once('exit', () => r()),
      );
      target.cleanup();
    } else {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
    if (e instanceof OvmfError) throw new LaunchError(e.message);
    throw e;
  }
}

// A port handed out by the kernel can still be taken by another process before the emulator binds
// it (Bochs then stops with "bind() or listen() failed"): start again on fresh ports, twice at most.
export async function launch(o: LaunchOptions): Promise<Target> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(o);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof LaunchError) || !/bind\(\)|Address already in use/i.test(e.message))
        throw e;
    }
  }
}
