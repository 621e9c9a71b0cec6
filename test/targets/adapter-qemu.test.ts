// The debug adapter as a process, driven over DAP by DebugClient, against Debian's gdb and QEMU TCG
// booting Debian's OVMF with our loader and driver (QEMU's gdbstub as the RSP server behind the
// adapter's link proxy). One boot serves the whole suite; every test writes its DAP exchange to
// test-results/adapter-qemu/<test>.log next to the suite's gdb/MI log and link packet log.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';
import { standaloneOutputs } from '../../extension/src/cli/driverImages';
import { launch, Target } from '../../extension/src/target/launcher';
import { freePort } from '../../extension/src/target/ports';
import { loadProfiles } from '../../extension/src/target/profiles';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out/debug-adapter/src/main.js');
const RESULTS = path.join(process.env.HV_RESULTS_DIR ?? path.join(ROOT, 'test-results'), 'adapter-qemu');
const ENTRY_C = path.join(ROOT, 'hv-driver/boot/entry.c');

// Line of the first source line containing `text` (1-based): tests find lines by content.
function lineOf(file: string, text: string): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `'${text}' not in ${file}`);
  return i + 1;
}

// A DebugClient that writes every request, response and awaited event to the current test's log.
class LoggedClient extends DebugClient {
  log?: fs.WriteStream;
  readonly outputs: string[] = [];
  constructor() {
    super('node', ADAPTER, 'uefi-hv', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
    this.on('output', (e: DebugProtocol.OutputEvent) => {
      this.outputs.push(e.body.output);
      // An output event can come after the log was closed (the adapter's last words): not an error.
      if (this.log?.writableEnded === false)
        this.log.write(`event output [${e.body.category ?? ''}] ${e.body.output}`);
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: string, args?: any): Promise<any> {
    this.log?.write(`> ${command} ${JSON.stringify(args ?? {})}\n`);
    return super.send(command, args).then(
      (r) => {
        this.log?.write(`< ${command} ${JSON.stringify(r.body ?? {}).slice(0, 4000)}\n`);
        return r;
      },
      (e: Error) => {
        this.log?.write(`< ${command} ERROR ${e.message}\n`);
        throw e;
      },
    );
  }
  waitForEvent(type: string, timeout?: number): Promise<DebugProtocol.Event> {
    return super.waitForEvent(type, timeout).then((e) => {
      this.log?.write(`event ${type} ${JSON.stringify(e.body ?? {})}\n`);
      return e;
    });
  }
}

function startLog(client: LoggedClient, title: string): void {
  fs.mkdirSync(RESULTS, { recursive: true });
  client.log?.end();
  client.log = fs.createWriteStream(path.join(RESULTS, `${title.replace(/[^A-Za-z0-9]+/g, '-')}.log`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('debug adapter: bad input fails the launch with the attribute named', function () {
  this.timeout(60_000);
  let client: LoggedClient;
  beforeEach(async function () {
    client = new LoggedClient();
    startLog(client, `bad-input ${this.currentTest?.title ?? ''}`);
    await client.start(); // launch()/attachRequest below send initialize first
  });
  afterEach(async () => {
    await client.stop();
    client.log?.end();
  });

  async function launchError(
    args: Record<string, unknown>,
    request: 'launch' | 'attach' = 'launch',
  ): Promise<string> {
    try {
      await (request === 'launch'
        ? client.launch(args)
        : client.attachRequest(args as DebugProtocol.AttachRequestArguments));
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`${request} succeeded with ${JSON.stringify(args)}`);
  }

  it('gdb missing: the error names gdbPath and the install line', async () => {
    const msg = await launchError({ profile: 'qemu-tcg', gdbPath: '/nonexistent/gdb' });
    assert.match(msg, /'gdbPath'/);
    assert.match(msg, /apt-get install gdb/);
  });
  it('a wrongly typed attribute is named', async () => {
    const msg = await launchError({ profile: 'qemu-tcg', stopOnEntry: 'yes' });
    assert.match(msg, /'stopOnEntry' must be true or false/);
  });
  it('a misspelt attribute is named', async () => {
    const msg = await launchError({ profile: 'qemu-tcg', stopOnentry: true });
    assert.match(msg, /unknown attribute 'stopOnentry'/);
  });
  it('a missing profile is named', async () => {
    assert.match(await launchError({}), /'profile' is required/);
  });
  it('an unknown profile is named', async () => {
    assert.match(
      await launchError({ profile: 'no-such-profile' }),
      /'profile': unknown profile 'no-such-profile'/,
    );
  });
  it('a malformed link is named', async () => {
    assert.match(
      await launchError({ link: 'tcp:localhost' }, 'attach'),
      /'link': 'tcp:localhost' is neither/,
    );
  });
  it('an unknown VM-exit filter in exitBreakpoints is named', async () => {
    assert.match(
      await launchError({ profile: 'qemu-tcg', exitBreakpoints: ['wrmsr', 'cpuidd'] }),
      /'exitBreakpoints': unknown VM-exit filter 'cpuidd'/,
    );
  });
  it('a timeout out of range is named', async () => {
    assert.match(
      await launchError({ profile: 'qemu-tcg', bootTimeout: -1 }),
      /'bootTimeout' must be an integer/,
    );
  });
});

describe('debug adapter on QEMU TCG: source debugging of the driver through the link proxy', function () {
  this.timeout(300_000);
  const client = new LoggedClient();
  let emulatorPid = 0;
  let driverBase = 0n;
  let threadId = 0;
  let entryReason = '';

  before(async function () {
    fs.mkdirSync(RESULTS, { recursive: true });
    startLog(client, 'launch');
    await client.start(); // launch()/attachRequest below send initialize first
    const stopped = client.waitForEvent('stopped', 240_000);
    await client.launch({
      profile: 'qemu-tcg',
      stopOnEntry: true,
      cwd: ROOT,
      linkLog: path.join(RESULTS, 'link.log'),
      verbose: true,
      logFile: path.join(RESULTS, 'gdb-mi.log'),
      bootTimeout: 200_000,
    });
    await client.configurationDoneRequest();
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    threadId = ev.body.threadId ?? 1;
    entryReason = ev.body.reason;
    const all = client.outputs.join('');
    emulatorPid = Number(/emulator pid (\d+)/.exec(all)?.[1]);
    driverBase = BigInt(/driver HvDxe\.efi at (0x[0-9a-f]+)/.exec(all)?.[1] ?? '0');
  });
  beforeEach(function () {
    startLog(client, this.currentTest?.title ?? 'test');
  });
  after(async () => {
    try {
      await client.stop();
    } finally {
      if (emulatorPid && alive(emulatorPid)) process.kill(emulatorPid, 'SIGKILL');
      client.log?.end();
    }
  });

  it('stops on entry in hv_efi_main (symbols at the relocated base found by the adapter)', async () => {
    assert.ok(emulatorPid > 0 && alive(emulatorPid), 'emulator runs');
    assert.ok(driverBase > 0n && driverBase % 0x1000n === 0n, `driver base ${driverBase.toString(16)}`);
    assert.strictEqual(entryReason, 'entry', 'stopOnEntry stops with reason entry');
    const st = await client.stackTraceRequest({ threadId });
    const top = st.body.stackFrames[0];
    assert.strictEqual(top.name, 'hv_efi_main');
    assert.strictEqual(path.basename(top.source?.path ?? ''), 'entry.c');
  });

  it('threads are the CPUs', async () => {
    const t = await client.threadsRequest();
    assert.strictEqual(t.body.threads.length, 2, JSON.stringify(t.body.threads));
  });

  it('a breakpoint in driver C code is hit, with call stack and locals', async () => {
    const line = lineOf(ENTRY_C, 'hv_memory_init(');
    const bp = await client.setBreakpointsRequest({ source: { path: ENTRY_C }, breakpoints: [{ line }] });
    assert.ok(bp.body.breakpoints[0].verified, JSON.stringify(bp.body.breakpoints[0]));
    const stopped = client.waitForEvent('stopped', 60_000);
    await client.continueRequest({ threadId });
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'breakpoint');
    const st = await client.stackTraceRequest({ threadId: ev.body.threadId ?? threadId });
    assert.strictEqual(st.body.stackFrames[0].line, line);
    const scopes = await client.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const local = scopes.body.scopes.find((s) => s.name === 'Local');
    assert.ok(local);
    const vars = await client.variablesRequest({ variablesReference: local.variablesReference });
    const names = vars.body.variables.map((v) => v.name);
    assert.ok(names.includes('li') && names.includes('status'), names.join(','));
    const li = vars.body.variables.find((v) => v.name === 'li')!;
    assert.notStrictEqual(li.value, '0x0', 'li was filled by handle_protocol');
  });

  it('step over moves to the next line', async () => {
    const before = (await client.stackTraceRequest({ threadId })).body.stackFrames[0].line;
    const stopped = client.waitForEvent('stopped', 60_000);
    await client.nextRequest({ threadId });
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'step');
    const after = (await client.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.ok(after.line > before, `line ${before} -> ${after.line}`);
    assert.strictEqual(after.name, 'hv_efi_main');
  });

  it('registers, disassembly and readMemory of the driver image', async () => {
    const frame = (await client.stackTraceRequest({ threadId })).body.stackFrames[0];
    const scopes = await client.scopesRequest({ frameId: frame.id });
    const regs = scopes.body.scopes.find((s) => s.name === 'Registers')!;
    const rv = await client.variablesRequest({ variablesReference: regs.variablesReference });
    const rip = rv.body.variables.find((v) => v.name === 'rip');
    assert.ok(rip, rv.body.variables.map((v) => v.name).join(','));
    const ripValue = BigInt(/0x[0-9a-f]+/.exec(rip.value)![0]);
    assert.ok(
      ripValue > driverBase && ripValue < driverBase + 0x100000n,
      `rip ${rip.value} inside the driver`,
    );
    const dis = (await client.send('disassemble', {
      memoryReference: `0x${ripValue.toString(16)}`,
      instructionCount: 4,
    })) as DebugProtocol.DisassembleResponse;
    assert.ok(dis.body && dis.body.instructions.length >= 4);
    const mem = (await client.send('readMemory', {
      memoryReference: `0x${driverBase.toString(16)}`,
      count: 64,
    })) as DebugProtocol.ReadMemoryResponse;
    const bytes = Buffer.from(mem.body!.data!, 'base64');
    assert.strictEqual(bytes.subarray(0, 2).toString('latin1'), 'MZ');
    const pe = fs.readFileSync(path.join(ROOT, 'hv-driver/build/DEBUG/HvDxe.efi'));
    assert.deepStrictEqual(bytes.subarray(0, 0x3c), pe.subarray(0, 0x3c));
  });

  it('step out returns to the caller frame', async () => {
    // After the step over above, the next line to run is the call of hv_mp_init.
    const line = lineOf(ENTRY_C, 'uint32_t cpus = hv_mp_init();');
    assert.strictEqual((await client.stackTraceRequest({ threadId })).body.stackFrames[0].line, line);
    let stopped = client.waitForEvent('stopped', 60_000);
    await client.stepInRequest({ threadId });
    await stopped;
    const inner = (await client.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(inner.name, 'hv_mp_init');
    stopped = client.waitForEvent('stopped', 60_000);
    await client.stepOutRequest({ threadId });
    await stopped;
    const outer = (await client.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(outer.name, 'hv_efi_main');
  });

  it('bench: stop -> stackTrace + scopes + locals + registers (printed, not asserted)', async () => {
    const samples: number[] = [];
    const bytes: number[] = [];
    const linkBytes = async (): Promise<number> => {
      const info = (await client.customRequest('hv/info')).body as {
        link: { toTarget: number; fromTarget: number };
      };
      return info.link.toTarget + info.link.fromTarget;
    };
    for (let i = 0; i < 5; i++) {
      const b0 = await linkBytes();
      const stopped = client.waitForEvent('stopped', 60_000);
      await client.send('stepIn', { threadId, granularity: 'instruction' });
      await stopped;
      const t0 = process.hrtime.bigint();
      const st = await client.stackTraceRequest({ threadId });
      const scopes = await client.scopesRequest({ frameId: st.body.stackFrames[0].id });
      await Promise.all(
        scopes.body.scopes.map((s) => client.variablesRequest({ variablesReference: s.variablesReference })),
      );
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes.push((await linkBytes()) - b0);
    }
    samples.sort((a, b) => a - b);
    bytes.sort((a, b) => a - b);
    const msg =
      `stop->stackTrace+scopes+variables: median ${samples[2].toFixed(1)} ms, max ${samples[4].toFixed(1)} ms; ` +
      `link bytes per stepi+views (link log on): median ${bytes[2]}, max ${bytes[4]}`;
    client.log?.write(`${msg}\n`);
    console.log(`      ${msg}`);
    assert.strictEqual(samples.length, 5);
  });

  it('without the hypervisor stub: VM-exit filters, hv views and short forms say so clearly', async () => {
    const info = (await client.customRequest('hv/info')).body as { driver: { base: string }; stub?: unknown };
    assert.strictEqual(BigInt(info.driver.base), driverBase);
    assert.strictEqual(info.stub, undefined);
    const bps = await client.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [
        { filterId: 'wrmsr', condition: 'msr == 0xC0000082' },
        { filterId: 'cpuid', condition: 'msr == 1' },
      ],
    });
    assert.match(bps.body!.breakpoints![0].message!, /no uefi-hv stub/);
    assert.match(bps.body!.breakpoints![1].message!, /unknown field 'msr'/);
    await assert.rejects(
      client.evaluateRequest({ expression: 'vmcs GUEST_RIP', context: 'repl' }),
      /no uefi-hv stub/,
    );
    await assert.rejects(
      client.customRequest('hv/eptWalk', { address: '0x1000', space: 'gpa' }),
      /no uefi-hv stub/,
    );
    const frame = (await client.stackTraceRequest({ threadId })).body.stackFrames[0];
    const scopes = await client.scopesRequest({ frameId: frame.id });
    assert.deepStrictEqual(
      scopes.body.scopes.map((x) => x.name),
      ['Local', 'Registers'],
    );
  });

  it('continue lets the firmware run on; pause stops every CPU', async () => {
    await client.setBreakpointsRequest({ source: { path: ENTRY_C }, breakpoints: [] });
    await client.continueRequest({ threadId });
    await new Promise((r) => setTimeout(r, 1500));
    const stopped = client.waitForEvent('stopped', 30_000);
    await client.pauseRequest({ threadId });
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.ok(ev.body.allThreadsStopped !== false);
    const regs = await client.threadsRequest();
    assert.strictEqual(regs.body.threads.length, 2);
  });

  it('the emulator killed mid-session: terminated, a clear message, nothing left running', async () => {
    const terminated = client.waitForEvent('terminated', 30_000);
    process.kill(emulatorPid, 'SIGKILL');
    await terminated;
    const all = client.outputs.join('');
    assert.match(all, /uefi-hv: (the target ended|the debug link dropped)/);
    // terminated comes once the runtime has stopped everything it started: check at once.
    assert.ok(!alive(emulatorPid), 'emulator gone');
    // The emulator ran in its own process group (pgid = its pid): nothing of it may remain.
    // Zombies (killed, not yet reaped by init) are not running: only live members count.
    const left = spawnSync('ps', ['-o', 'pid=,stat=,comm=', '-g', String(emulatorPid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.trim() && !/^\s*\d+\s+Z/.test(l))
      .join('; ');
    assert.strictEqual(left, '', `still running in the emulator's group: ${left}`);
  });
});

describe('debug adapter on QEMU TCG: the target resets itself', function () {
  this.timeout(300_000);
  const client = new LoggedClient();
  let emulatorPid = 0;

  after(async () => {
    await client.stop();
    if (emulatorPid && alive(emulatorPid)) process.kill(emulatorPid, 'SIGKILL');
    client.log?.end();
  });

  it('a reset ends the session: terminated, a message naming the reset, the emulator gone', async () => {
    startLog(client, 'reset');
    await client.start();
    const stopped = client.waitForEvent('stopped', 240_000);
    await client.launch({ profile: 'qemu-tcg', stopOnEntry: true, cwd: ROOT });
    await client.configurationDoneRequest();
    await stopped;
    emulatorPid = Number(/emulator pid (\d+)/.exec(client.outputs.join(''))?.[1]);
    const terminated = client.waitForEvent('terminated', 30_000);
    // QEMU's gdbstub runs monitor commands (qRcmd): the machine resets as if the guest asked.
    await client
      .evaluateRequest({ expression: '>monitor system_reset', context: 'repl' })
      .catch(() => undefined);
    await terminated;
    assert.match(client.outputs.join(''), /uefi-hv: the target reset \(QEMU reset/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!alive(emulatorPid), 'emulator stopped after the reset');
  });
});

describe('debug adapter on QEMU TCG: hv/reset', function () {
  this.timeout(300_000);
  const client = new LoggedClient();
  let emulatorPid = 0;

  after(async () => {
    await client.stop();
    if (emulatorPid && alive(emulatorPid)) process.kill(emulatorPid, 'SIGKILL');
    client.log?.end();
  });

  it('hv/reset resets through QMP: the reset is named, terminated, the emulator gone', async () => {
    startLog(client, 'hv-reset');
    await client.start();
    const stopped = client.waitForEvent('stopped', 240_000);
    await client.launch({ profile: 'qemu-tcg', stopOnEntry: true, cwd: ROOT });
    await client.configurationDoneRequest();
    await stopped;
    emulatorPid = Number(/emulator pid (\d+)/.exec(client.outputs.join(''))?.[1]);
    const terminated = client.waitForEvent('terminated', 30_000);
    const r = (await client.customRequest('hv/reset')).body as { how: string };
    assert.strictEqual(r.how, 'QMP system_reset');
    await terminated;
    assert.match(
      client.outputs.join(''),
      /uefi-hv: the target reset \((hv\/reset: QMP system_reset|QEMU reset)/,
    );
    await new Promise((res) => setTimeout(res, 1500));
    assert.ok(!alive(emulatorPid), 'emulator stopped after the reset');
  });
});

describe('debug adapter attach: to a QEMU TCG target already running', function () {
  this.timeout(300_000);
  const client = new LoggedClient();
  let target: Target | undefined;
  let gdbPort = 0;

  before(async () => {
    startLog(client, 'attach-boot');
    gdbPort = await freePort();
    const base = loadProfiles().get('qemu-tcg');
    const profile = {
      ...base,
      qemu: { ...base.qemu, extraArgs: [...base.qemu.extraArgs, '-gdb', `tcp:127.0.0.1:${gdbPort}`] },
    };
    const out = standaloneOutputs(ROOT);
    target = await launch({ profile, esp: { loader: out.loader, driver: out.driver } });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no shell prompt; console: ${text.slice(-400)}`)),
        120_000,
      );
      target!.console.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('Shell>')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  after(async () => {
    try {
      await client.stop();
    } finally {
      await target?.stop();
      client.log?.end();
    }
  });

  it('attaches, sees the CPUs and their registers, and leaves the target running on disconnect', async () => {
    startLog(client, 'attach');
    await client.start();
    await client.initializeRequest({
      adapterID: 'uefi-hv',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    const stopped = client.waitForEvent('stopped', 30_000);
    await client.attachRequest({
      link: `tcp:127.0.0.1:${gdbPort}`,
      stopOnEntry: true,
      cwd: ROOT,
    } as DebugProtocol.AttachRequestArguments);
    await client.configurationDoneRequest();
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'entry');
    // On TCG the driver found no VMX and unloaded: the adapter says so and debugs the machine.
    assert.match(
      client.outputs.join(''),
      /the driver is not loaded on the target: attached without driver symbols/,
    );
    const threads = await client.threadsRequest();
    assert.strictEqual(threads.body.threads.length, 2);
    const frame = (await client.stackTraceRequest({ threadId: threads.body.threads[0].id })).body
      .stackFrames[0];
    const scopes = await client.scopesRequest({ frameId: frame.id });
    const regs = scopes.body.scopes.find((x) => x.name === 'Registers')!;
    const rv = await client.variablesRequest({ variablesReference: regs.variablesReference });
    assert.ok(
      rv.body.variables.some((v) => v.name === 'cr3'),
      'control registers from QEMU',
    );
    await client.disconnectRequest({});
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(alive(target!.pid), 'attach does not own the target: it keeps running after disconnect');
  });
});
