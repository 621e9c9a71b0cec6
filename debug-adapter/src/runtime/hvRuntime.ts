// The debugging runtime: no DAP here. It starts (launch) or reaches (attach) the target through the
// launcher, owns the debug link behind a LinkProxy that gdb connects to, finds where the firmware
// loaded the driver (so gdb gets symbols at the relocated base, never a hand-typed offset), and
// reports the end of the target in one line. Events: 'output' (line), 'console' (firmware console
// text), 'terminated' (message).
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { HvConfig } from '../config/attributes';
import { ensureStandaloneBuild, standaloneOutputs } from '../../../extension/src/cli/driverImages';
import { DebugBridge } from '../../../extension/src/target/debugBridge';
import { launch, Target, TargetExit } from '../../../extension/src/target/launcher';
import { freePort, releasePort } from '../../../extension/src/target/ports';
import { loadProfiles, Profile } from '../../../extension/src/target/profiles';
import { findDebugImageTable, findImage, ReadMemory } from './efiImages';
import { HvQueries } from './hvQueries';
import { LinkSpec, openLink } from './link';
import { LinkProxy } from './linkProxy';
import { parsePe, PeInfo } from './peImage';

export class RuntimeError extends Error {}

const MAX_READ = 1024; // bytes per 'm' packet: under every stub's packet size
const CONSOLE_KEEP = 64 * 1024; // console text kept for waits on driver log lines

// The driver's log lines on COM1 (hv/log.h) that say whether the hypervisor (and its stub) runs.
// (levels are padded: "INFO ", "ERROR").
const HV_RUNNING = /hv: [0-9.]+ cpu\d+ INFO +hypervisor running on (\d+) CPUs/;
const HV_NOT_STARTED = /hv: [0-9.]+ cpu\d+ [A-Z]+ +(uefi-hv not started \([^)]*\)[^\r\n]*)/;

export interface DriverLocation {
  base: bigint;
  entry: bigint;
  symbols: string;
  how: string; // how the base was found, for the log
}

export class HvRuntime extends EventEmitter {
  target?: Target;
  proxy?: LinkProxy;
  driver?: DriverLocation; // undefined after an attach that found no driver: machine-level debugging
  hv: HvQueries;
  lastStopReply?: string; // the target's last stop reply as it crossed the link
  // The stub stopped the target after the driver's entry had run (Bochs launch, attach): there is
  // no entry point left to stop at; stopOnEntry means "stay where the stub stopped it".
  entryPassed = false;
  bridge?: DebugBridge; // launch on Bochs: the emulator's COM2, offered on a local port
  private profile?: Profile;
  private gdbPort?: number;
  private ending = false;
  private consoleText = '';
  private detached = false;

  constructor(private readonly config: HvConfig) {
    super();
    this.hv = new HvQueries((packet) => this.proxy!.query(packet, this.config.timeouts.requestTimeout));
  }

  private say(line: string): void {
    this.emit('output', line);
  }

  // Launch or attach; resolves with the local port gdb must connect to, the target stopped.
  async start(): Promise<number> {
    const c = this.config;
    const images = await this.resolveImages();
    const pe = parsePe(fs.readFileSync(images.driver), images.driver);
    let link: LinkSpec;
    if (c.request === 'launch') {
      link = await this.launchTarget(images);
    } else {
      link = c.link!;
    }
    const l = await openLink(link, c.timeouts.connectTimeout);
    this.proxy = new LinkProxy(l, { logFile: c.linkLog });
    this.proxy.on('close', (reason: string) => this.onLinkClosed(reason));
    this.proxy.on('stop', (reply: string) => (this.lastStopReply = reply));
    this.say(`link ${l.description} open${c.linkLog ? `, logging every packet to ${c.linkLog}` : ''}`);
    let base: bigint | undefined;
    let how = 'EFI debug image table';
    if (this.gdbPort === undefined) {
      // A uefi-hv stub (Bochs COM2, hardware, attach): it answers once the driver runs, and says
      // where the driver is. On launch it is given until bootTimeout to come up. Our emulator's
      // console tells when the hypervisor runs: before that the firmware may own the UART (bytes
      // sent earlier would reach it as keystrokes), so the first probe waits for that line.
      const t0 = Date.now();
      if (this.target) await this.waitForHypervisor(c.timeouts.bootTimeout);
      const info = await this.waitForStub(
        c.request === 'launch'
          ? Math.max(1000, c.timeouts.bootTimeout - (Date.now() - t0))
          : c.timeouts.requestTimeout,
      );
      if (info) {
        base = info.imageBase;
        how = `uefi-hv stub ${info.version} (protocol ${info.proto}, ${info.cpus} CPUs)`;
        this.entryPassed = true;
      }
    }
    if (base === undefined) {
      if (c.request === 'launch') base = await this.waitForDriverLoad(pe);
      else {
        try {
          base = await this.findLoadedDriver(pe, 'attach');
        } catch (e) {
          this.say(`${(e as Error).message}: attached without driver symbols (machine-level debugging)`);
        }
      }
    }
    if (base !== undefined) {
      this.driver = { base, entry: base + BigInt(pe.entryRva), symbols: images.symbols, how };
      this.say(
        `driver ${path.basename(images.driver)} at 0x${base.toString(16)} (entry 0x${this.driver.entry.toString(16)}, from the ${how})`,
      );
    }
    if (!this.hv.info) await this.hv.probe().catch(() => undefined);
    return this.proxy.listen();
  }

  private async resolveImages(): Promise<{ driver: string; loader: string; symbols: string }> {
    const c = this.config;
    let driver = c.driver;
    let loader = c.loader;
    if (!driver || (c.request === 'launch' && !loader)) {
      const built = await ensureStandaloneBuild((l) => this.say(l));
      driver ??= built.driver;
      loader ??= built.loader;
    }
    const symbols = c.symbols ?? (c.driver ? driver.replace(/\.efi$/i, '.debug') : standaloneOutputs().debug);
    for (const [what, f] of [
      ['driver', driver],
      ['symbols', symbols],
      ...(c.request === 'launch' ? [['loader', loader!]] : []),
    ] as const) {
      if (!fs.existsSync(f)) throw new RuntimeError(`'${what}': ${f} does not exist`);
    }
    return { driver, loader: loader ?? '', symbols };
  }

  private async launchTarget(images: { driver: string; loader: string }): Promise<LinkSpec> {
    const c = this.config;
    const set = loadProfiles({ userDirs: c.profilesDir ? [c.profilesDir] : [] });
    let profile: Profile;
    try {
      profile = set.get(c.profile!);
    } catch (e) {
      throw new RuntimeError(`'profile': ${(e as Error).message}`);
    }
    let link: LinkSpec;
    if (profile.emulator === 'qemu' && !c.link) {
      // QEMU's own gdbstub: whole-machine debugging, halted at reset (-S) until the driver loads.
      this.gdbPort = await freePort();
      profile = {
        ...profile,
        qemu: {
          ...profile.qemu,
          extraArgs: [...profile.qemu.extraArgs, '-gdb', `tcp:127.0.0.1:${this.gdbPort}`, '-S'],
        },
      };
      link = { kind: 'tcp', host: '127.0.0.1', port: this.gdbPort };
    } else if (profile.emulator === 'bochs' && !c.link) {
      profile = { ...profile, serial: { ...profile.serial, debug: 'com2' } }; // the stub's UART
      link = { kind: 'tcp', host: '127.0.0.1', port: 0 }; // the bridge's, once Bochs has its port
    } else {
      link = c.link!;
    }
    this.profile = profile;
    this.say(`starting ${profile.name} (${profile.emulator})`);
    this.target = await launch({
      profile,
      esp: { loader: images.loader, driver: images.driver, startupNsh: c.startupNsh, extra: c.espFiles },
      cpus: c.cpus,
      ovmf: c.ovmf,
      keepRunDir: c.keepRunDir,
      startTimeoutMs: c.timeouts.connectTimeout,
    });
    this.say(`emulator pid ${this.target.pid}, run folder ${this.target.runDir}`);
    this.target.console.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      this.consoleText = (this.consoleText + text).slice(-CONSOLE_KEEP);
      this.emit('console', text);
    });
    this.target.on('exit', (e: TargetExit) => this.onTargetExit(e));
    this.target.on('reset', (r: { detail: string }) =>
      this.end(`the target reset (${r.detail}); session over`),
    );
    if (link.kind === 'tcp' && link.port === 0) {
      // Bochs' COM2 server takes one client for its lifetime (and holds the machine until it has
      // one): a bridge connects to it at once and offers it on a local port, where a later session
      // can attach once this one has detached (disconnect with terminateDebuggee false).
      const bridge = new DebugBridge({
        emulatorPort: this.target.debugPort!,
        listenPort: 0,
        connectTimeoutMs: c.timeouts.connectTimeout,
      });
      bridge.on('error', (e: Error) => this.end(e.message));
      this.bridge = bridge;
      link = { ...link, port: await bridge.start() };
      this.say(`debug link (COM2) bridged to 127.0.0.1:${link.port}`);
    }
    return link;
  }

  // Target memory through the link, in packets the stub accepts; undefined where it refuses.
  readonly read: ReadMemory = async (address, length) => {
    const parts: Buffer[] = [];
    for (let off = 0; off < length; off += MAX_READ) {
      const n = Math.min(MAX_READ, length - off);
      const reply = await this.proxy!.query(
        `m${(address + BigInt(off)).toString(16)},${n.toString(16)}`,
        this.config.timeouts.requestTimeout,
      );
      if (!/^([0-9a-fA-F]{2})+$/.test(reply) || reply.length !== n * 2) return undefined;
      parts.push(Buffer.from(reply, 'hex'));
    }
    return Buffer.concat(parts);
  };

  // Our emulator's console until the driver says the hypervisor runs (or that it did not start).
  private waitForHypervisor(withinMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const failed = HV_NOT_STARTED.exec(this.consoleText);
        if (failed) {
          done();
          reject(new RuntimeError(`the driver did not start the hypervisor: ${failed[1].trim()}`));
          return true;
        }
        if (HV_RUNNING.test(this.consoleText)) {
          done();
          resolve();
          return true;
        }
        return false;
      };
      const onEnd = (): void => {
        done();
        reject(new RuntimeError('the target ended while booting'));
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new RuntimeError(
            `the hypervisor did not report running within bootTimeout (${withinMs} ms); console tail: ${JSON.stringify(this.consoleText.slice(-300))}`,
          ),
        );
      }, withinMs);
      const onText = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.off('console', onText);
        this.off('terminated', onEnd);
        this.target?.off('exit', onEnd);
      };
      if (check()) return;
      this.on('console', onText);
      this.target?.once('exit', onEnd);
    });
  }

  // Ask qHv.info until the stub answers (undefined at once from a plain gdbstub's empty reply).
  private async waitForStub(withinMs: number): Promise<import('../rsp/hvPackets').HvInfo | undefined> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      try {
        return await this.hv.probe();
      } catch (e) {
        if (this.ending || Date.now() > deadline) {
          if (this.config.request === 'launch')
            throw new RuntimeError(
              `the uefi-hv stub did not answer on the link within ${withinMs} ms: ${(e as Error).message}`,
            );
          return undefined;
        }
      }
    }
  }

  private memoryTop(): bigint {
    const mib = this.profile?.memoryMiB ?? 4096;
    return BigInt(Math.min(mib, 4096)) << 20n;
  }

  private async findLoadedDriver(pe: PeInfo, when: string): Promise<bigint> {
    const table = await findDebugImageTable(this.read, this.memoryTop());
    if (!table) throw new RuntimeError(`${when}: no EFI debug image table in target memory (is this UEFI?)`);
    const base = await findImage(this.read, table, pe);
    if (base === undefined) throw new RuntimeError(`${when}: the driver is not loaded on the target`);
    return base;
  }

  // From reset: run in short slices until the firmware has its debug image table, then watch the
  // table's update flag and look at each new image until ours appears; the target is left stopped
  // after LoadImage, before the driver's entry point runs.
  private async waitForDriverLoad(pe: PeInfo): Promise<bigint> {
    const proxy = this.proxy!;
    const deadline = Date.now() + this.config.timeouts.bootTimeout;
    const left = (): number => {
      const ms = deadline - Date.now();
      if (ms <= 0 || this.ending)
        throw new RuntimeError(
          this.ending
            ? 'the target ended while booting'
            : `the driver was not loaded within bootTimeout (${this.config.timeouts.bootTimeout} ms)`,
        );
      return ms;
    };
    let table;
    while (!table) {
      proxy.resume();
      await new Promise((r) => setTimeout(r, Math.min(250, left())));
      proxy.interrupt();
      await proxy.waitStop(Math.min(left(), this.config.timeouts.requestTimeout));
      table = await findDebugImageTable(this.read, this.memoryTop());
    }
    const seen = new Set<bigint>();
    let base = await findImage(this.read, table, pe, seen);
    if (base !== undefined) return base;
    const watch = `${table.header.toString(16)},4`;
    const armed = await proxy.query(`Z2,${watch}`, this.config.timeouts.requestTimeout);
    if (armed !== 'OK') throw new RuntimeError(`the target refused a write watchpoint (Z2: '${armed}')`);
    while (base === undefined) {
      proxy.resume();
      await proxy.waitStop(left());
      base = await findImage(this.read, table, pe, seen);
    }
    await proxy.query(`z2,${watch}`, this.config.timeouts.requestTimeout);
    return base;
  }

  private onTargetExit(e: TargetExit): void {
    this.end(e.reason === 'stopped' ? 'target stopped' : `the target ended: ${e.detail}`);
  }

  private onLinkClosed(reason: string): void {
    this.end(`the debug link dropped (${reason})`);
  }

  // `restart`: the client should start the session again (a Bochs reset is a new boot).
  private end(message: string, restart = false): void {
    if (this.ending) return;
    this.ending = true;
    // 'terminated' means everything this runtime started is gone (the emulator's whole group).
    void this.dispose()
      .catch(() => undefined)
      .then(() => this.emit('terminated', message, restart));
  }

  // Reset the target machine. The hypervisor does not survive a reset (it is loaded again from
  // scratch, or not at all), so the session ends here with a message naming the reset. Returns how:
  // - our QEMU: QMP system_reset;
  // - our Bochs: Bochs 2.7 does not bring OVMF back from a machine reset (measured: the shell's own
  //   `reset` and the stub's 0xCF9 write both leave OVMF looping before its first line while
  //   bochs.log grows ~400 MB a minute), so the clean reset is a new boot: the emulator is stopped
  //   and the client is asked to restart the session (DAP terminated.restart);
  // - any other target with the stub (attach: hardware, a QEMU/KVM): QHv.reset, port 0xCF9.
  async reset(): Promise<string> {
    let how: string;
    if (this.target?.qmpClient) {
      await this.target.reset();
      how = 'QMP system_reset';
    } else if (this.target && this.profile?.emulator === 'bochs') {
      how = 'Bochs restarted: the session restarts with a new boot';
      this.end(`the target reset (hv/reset: ${how})`, true);
      return how;
    } else if (this.hv.info) {
      await this.hv.reset();
      how = 'QHv.reset (port 0xCF9)';
    } else {
      throw new RuntimeError('this target cannot be reset: no uefi-hv stub on the link and no QMP');
    }
    this.end(`the target reset (hv/reset: ${how}); session over`);
    return how;
  }

  // Leave the target running without us: the stub's detach (D: breakpoints and exit breakpoints
  // removed, every CPU resumed), then the link closes. A launched emulator keeps running (and its
  // bridge stays open for another session) until dispose().
  async detach(): Promise<void> {
    if (this.detached || !this.proxy || this.proxy.closed) return;
    this.detached = true;
    if (this.hv.info) {
      const reply = await this.proxy
        .query('D', this.config.timeouts.requestTimeout)
        .catch((e: Error) => `(${e.message})`);
      this.say(
        reply === 'OK'
          ? 'detached: the target runs on without the debugger'
          : `detach: the stub answered '${reply}'`,
      );
    }
    this.ending = true; // the link closing now is ours, not a failure
    this.proxy.close('detached');
    if (this.bridge)
      this.say(`the target keeps running; attach with "link": "tcp:127.0.0.1:${this.bridge.port}"`);
  }

  // Stop everything this runtime started; safe to call twice.
  async dispose(): Promise<void> {
    this.ending = true;
    this.proxy?.close();
    await this.bridge?.close();
    if (this.target) await this.target.stop();
    if (this.gdbPort) releasePort(this.gdbPort);
  }
}
