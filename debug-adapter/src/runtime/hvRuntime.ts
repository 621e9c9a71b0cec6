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
  private profile?: Profile;
  private gdbPort?: number;
  private ending = false;

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
      // where the driver is. On launch it is given until bootTimeout to come up.
      const info = await this.waitForStub(
        c.request === 'launch' ? c.timeouts.bootTimeout : c.timeouts.requestTimeout,
      );
      if (info) {
        base = info.imageBase;
        how = `uefi-hv stub ${info.version} (protocol ${info.proto}, ${info.cpus} CPUs)`;
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
      link = { kind: 'tcp', host: '127.0.0.1', port: 0 }; // filled in once Bochs has its port
    } else {
      link = c.link!;
    }
    this.profile = profile;
    this.say(`starting ${profile.name} (${profile.emulator})`);
    this.target = await launch({
      profile,
      esp: { loader: images.loader, driver: images.driver },
      cpus: c.cpus,
      ovmf: c.ovmf,
      keepRunDir: c.keepRunDir,
      startTimeoutMs: c.timeouts.connectTimeout,
    });
    this.say(`emulator pid ${this.target.pid}, run folder ${this.target.runDir}`);
    this.target.console.on('data', (d: Buffer) => this.emit('console', d.toString('latin1')));
    this.target.on('exit', (e: TargetExit) => this.onTargetExit(e));
    this.target.on('reset', (r: { detail: string }) =>
      this.end(`the target reset (${r.detail}); session over`),
    );
    if (link.kind === 'tcp' && link.port === 0) link = { ...link, port: this.target.debugPort! };
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

  private end(message: string): void {
    if (this.ending) return;
    this.ending = true;
    // 'terminated' means everything this runtime started is gone (the emulator's whole group).
    void this.dispose()
      .catch(() => undefined)
      .then(() => this.emit('terminated', message));
  }

  // Stop everything this runtime started; safe to call twice.
  async dispose(): Promise<void> {
    this.ending = true;
    this.proxy?.close();
    if (this.target) await this.target.stop();
    if (this.gdbPort) releasePort(this.gdbPort);
  }
}
