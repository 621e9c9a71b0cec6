// The debug adapter as a process, driven over DAP by DebugClient, against Debian's gdb and the
// hypervisor's own stub under Bochs (2 CPUs): ONE boot serves every check. The adapter launches
// Bochs (profile `bochs`), bridges COM2 (the stub's link) to its link proxy and finds the driver
// through the stub; the UEFI shell runs the guest app test/guest/adapter_target.c, which prints its
// CPUID address and a pattern's address on COM1 (forwarded by the adapter as output) and makes the
// exits the checks wait for. Every test writes its DAP exchange to test-results/adapter-bochs/<test>.log,
// next to the suite's gdb/MI log and link packet log.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out/debug-adapter/src/main.js');
const RESULTS = path.join(process.env.HV_RESULTS_DIR ?? path.join(ROOT, 'test-results'), 'adapter-bochs');
const BUILD = path.join(ROOT, 'hv-driver/build/DEBUG');
const CPUID_C = path.join(ROOT, 'hv-driver/exits/cpuid.c');
const BOOT_TIMEOUT_MS = Number(process.env.HV_TEST_BOOT_TIMEOUT_MS ?? 360_000);
const STOP_TIMEOUT_MS = Number(process.env.HV_TEST_STOP_TIMEOUT_MS ?? 180_000);
const AT_LEAF = 0x4711abcen; // test/guest/adapter_target.c
const PATTERN_TAG = 'uefi-hv gpa test';
const RFLAGS_AC = 1n << 18n;

function lineOf(file: string, text: string): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `'${text}' not in ${file}`);
  return i + 1;
}

// The guest app's page: a tag, then byte i = (i * 37 + 11) mod 256.
function patternBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++)
    b[i] = i < PATTERN_TAG.length ? PATTERN_TAG.charCodeAt(i) : (i * 37 + 11) & 0xff;
  return b;
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
  get allOutput(): string {
    return this.outputs.join('');
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
  // Until the adapter's output (Debug Console, firmware console included) matches.
  async waitForOutput(re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
    const t0 = Date.now();
    for (;;) {
      const m = re.exec(this.allOutput);
      if (m) return m;
      if (Date.now() - t0 > ms)
        throw new Error(`no ${what} within ${ms} ms; output tail:\n${this.allOutput.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
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

// Live (not zombie) members of a process group.
function groupMembers(pgid: number): string {
  return spawnSync('ps', ['-o', 'pid=,stat=,comm=', '-g', String(pgid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.trim() && !/^\s*\d+\s+Z/.test(l))
    .join('; ');
}

const hexOf = (s: string): bigint => BigInt(/0x[0-9a-fA-F]+/.exec(s)![0]);

describe('debug adapter on Bochs (2 CPUs): the hypervisor stub behind the link proxy, one boot', function () {
  this.timeout(BOOT_TIMEOUT_MS + STOP_TIMEOUT_MS);
  const a = new LoggedClient(); // launches Bochs
  const b = new LoggedClient(); // attaches later, to the same running target
  let emulatorPid = 0;
  let driverBase = 0n;
  let threadId = 1;
  let cpuidRip = 0n;
  let pattern = 0n;
  let bridgeLink = '';
  let entry: DebugProtocol.StoppedEvent | undefined;

  before(async function () {
    if (spawnSync('gdb', ['--version']).error) throw new Error('gdb is missing: sudo apt-get install -y gdb');
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'hv-driver'), '-j2'], { stdio: 'inherit' });
    fs.rmSync(RESULTS, { recursive: true, force: true });
    startLog(a, 'launch');
    await a.start();
    const stopped = a.waitForEvent('stopped', BOOT_TIMEOUT_MS);
    await a.launch({
      profile: 'bochs',
      cpus: 2,
      stopOnEntry: true,
      cwd: ROOT,
      startupNsh: 'fs0:\\HvAdapterTarget.efi\n',
      espFiles: { '\\HvAdapterTarget.efi': path.join(BUILD, 'HvAdapterTarget.efi') },
      linkLog: path.join(RESULTS, 'link.log'),
      verbose: true,
      logFile: path.join(RESULTS, 'gdb-mi.log'),
      bootTimeout: BOOT_TIMEOUT_MS,
      requestTimeout: 20_000,
    });
    // The VM-exit filter goes in before configurationDone, as VS Code sends it.
    const ex = await a.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [{ filterId: 'cpuid', condition: `leaf == 0x${AT_LEAF.toString(16)}` }],
    });
    assert.ok(ex.body?.breakpoints?.[0].verified, JSON.stringify(ex.body));
    await a.configurationDoneRequest();
    entry = (await stopped) as DebugProtocol.StoppedEvent;
    threadId = entry.body.threadId ?? 1;
    emulatorPid = Number(/emulator pid (\d+)/.exec(a.allOutput)?.[1]);
    driverBase = BigInt(/driver HvDxe\.efi at (0x[0-9a-f]+)/.exec(a.allOutput)?.[1] ?? '0');
  });
  beforeEach(function () {
    startLog(a, this.currentTest?.title ?? 'test');
  });
  after(async () => {
    try {
      await b.stop().catch(() => undefined);
      await a.stop();
    } finally {
      if (emulatorPid && alive(emulatorPid)) process.kill(-emulatorPid, 'SIGKILL');
      a.log?.end();
      b.log?.end();
    }
  });

  it('launch: stops where the stub stopped the target, driver found through the stub, CPUs as threads', async () => {
    assert.ok(emulatorPid > 0 && alive(emulatorPid), 'emulator runs');
    assert.strictEqual(entry?.body.reason, 'entry');
    assert.match(a.allOutput, /from the uefi-hv stub .*protocol 1, 2 CPUs/);
    assert.ok(driverBase > 0n && driverBase % 0x1000n === 0n, `driver base ${driverBase.toString(16)}`);
    const t = await a.threadsRequest();
    assert.strictEqual(t.body.threads.length, 2, JSON.stringify(t.body.threads));
    const info = (await a.customRequest('hv/info')).body as { stub: { cpus: number; imageBase: string } };
    assert.strictEqual(info.stub.cpus, 2);
    assert.strictEqual(BigInt(info.stub.imageBase), driverBase);
  });

  it('a CPUID filter with a condition stops on the guest app CPUID: "VM exit: CPUID leaf ..."', async () => {
    const stopped = a.waitForEvent('stopped', STOP_TIMEOUT_MS);
    await a.continueRequest({ threadId });
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    threadId = ev.body.threadId ?? threadId;
    assert.strictEqual(ev.body.reason, 'exception');
    assert.match(ev.body.text ?? '', /^VM exit: CPUID leaf 0x4711ABCE subleaf 0x0 on CPU [01]$/);
    const m = await a.waitForOutput(
      /adapter-target: ready cpuid-rip 0x([0-9a-f]+) pattern 0x([0-9a-f]+)/,
      10_000,
      'the guest app line on the firmware console',
    );
    cpuidRip = BigInt(`0x${m[1]}`);
    pattern = BigInt(`0x${m[2]}`);
    // The stub stops before the handler runs; the adapter lands the stop in the handler.
    const top = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(top.name, 'hv_exit_cpuid');
    assert.strictEqual(path.basename(top.source?.path ?? ''), 'cpuid.c');
  });

  async function vmcsGroups(): Promise<Map<string, DebugProtocol.Variable[]>> {
    const frame = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    const scopes = await a.scopesRequest({ frameId: frame.id });
    const vmcs = scopes.body.scopes.find((s) => s.name === 'VMCS');
    assert.ok(vmcs, `scopes: ${scopes.body.scopes.map((s) => s.name).join(', ')}`);
    const groups = (await a.variablesRequest({ variablesReference: vmcs.variablesReference })).body.variables;
    const out = new Map<string, DebugProtocol.Variable[]>();
    for (const g of groups)
      out.set(
        g.name,
        (await a.variablesRequest({ variablesReference: g.variablesReference })).body.variables,
      );
    return out;
  }
  const field = (groups: Map<string, DebugProtocol.Variable[]>, name: string): DebugProtocol.Variable => {
    for (const vars of groups.values()) {
      const v = vars.find((x) => x.name === name);
      if (v) return v;
    }
    throw new Error(`no VMCS field ${name}`);
  };

  it('the VMCS scope shows the decoded exit reason and GUEST_RIP at the guest CPUID', async () => {
    const groups = await vmcsGroups();
    assert.deepStrictEqual(
      [...groups.keys()],
      ['Guest state', 'Host state', 'Controls', 'Exit information'].filter((g) => groups.has(g)),
    );
    const reason = field(groups, 'VM_EXIT_REASON');
    const decoded = await a.variablesRequest({ variablesReference: reason.variablesReference });
    assert.ok(
      decoded.body.variables.some((v) => v.name === 'basic reason' && /^10 \(/.test(v.value)),
      JSON.stringify(decoded.body.variables),
    );
    assert.strictEqual(hexOf(field(groups, 'GUEST_RIP').value), cpuidRip);
    // The Guest scope: the guest's registers at the exit (rax still holds the leaf).
    const frame = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    const scopes = await a.scopesRequest({ frameId: frame.id });
    const guest = scopes.body.scopes.find((s) => s.name === 'Guest')!;
    const regs = (await a.variablesRequest({ variablesReference: guest.variablesReference })).body.variables;
    assert.strictEqual(hexOf(regs.find((r) => r.name === 'rax')!.value) & 0xffffffffn, AT_LEAF);
  });

  it('a VMCS write through the adapter takes effect (GUEST_RFLAGS.AC, read back, then seen by the guest)', async () => {
    const before = await vmcsGroups();
    const rflags = hexOf(field(before, 'GUEST_RFLAGS').value);
    assert.strictEqual(rflags & RFLAGS_AC, 0n, 'AC clear before the write');
    const frame = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    const scopes = await a.scopesRequest({ frameId: frame.id });
    const vmcs = scopes.body.scopes.find((s) => s.name === 'VMCS')!;
    const groups = (await a.variablesRequest({ variablesReference: vmcs.variablesReference })).body.variables;
    const guestState = groups.find((g) => g.name === 'Guest state')!;
    await a.setVariableRequest({
      variablesReference: guestState.variablesReference,
      name: 'GUEST_RFLAGS',
      value: `0x${(rflags | RFLAGS_AC).toString(16)}`,
    });
    const after = await vmcsGroups();
    assert.strictEqual(
      hexOf(field(after, 'GUEST_RFLAGS').value),
      rflags | RFLAGS_AC,
      'read back from the target',
    );
    // A read-only field is refused with its reason.
    await assert.rejects(
      a.setVariableRequest({
        variablesReference: guestState.variablesReference,
        name: 'VM_EXIT_REASON',
        value: '0',
      }),
      /read-only/,
    );
  });

  it('guest-physical readMemory (gpa:) returns the pattern the guest app wrote', async () => {
    const mem = (await a.send('readMemory', {
      memoryReference: `gpa:0x${pattern.toString(16)}`,
      offset: 0,
      count: 256,
    })) as DebugProtocol.ReadMemoryResponse;
    assert.strictEqual(BigInt(mem.body!.address), pattern);
    assert.deepStrictEqual(Buffer.from(mem.body!.data!, 'base64'), patternBytes(256));
    // An offset into the same page, past a packet boundary of the tag.
    const tail = (await a.send('readMemory', {
      memoryReference: `gpa:0x${pattern.toString(16)}`,
      offset: 4000,
      count: 96,
    })) as DebugProtocol.ReadMemoryResponse;
    assert.deepStrictEqual(Buffer.from(tail.body!.data!, 'base64'), patternBytes(4096).subarray(4000));
  });

  it('hv/eptWalk of the pattern GPA returns every level down to the leaf (identity map)', async () => {
    const walk = (await a.customRequest('hv/eptWalk', { address: `0x${pattern.toString(16)}`, space: 'gpa' }))
      .body as {
      levels: { level: number; present: boolean; leaf: boolean; entry: string; tableAddress: string }[];
      hpa?: string;
      fault?: string;
    };
    assert.strictEqual(walk.fault, undefined, JSON.stringify(walk));
    const levels = walk.levels.map((l) => l.level);
    assert.strictEqual(levels[0], 4, JSON.stringify(levels));
    for (let i = 1; i < levels.length; i++) assert.strictEqual(levels[i], levels[i - 1] - 1);
    assert.ok(walk.levels.every((l) => l.present));
    assert.ok(walk.levels[walk.levels.length - 1].leaf && walk.levels.slice(0, -1).every((l) => !l.leaf));
    assert.strictEqual(BigInt(walk.hpa!), pattern, 'EPT maps the guest 1:1 outside the hypervisor');
  });

  it('a breakpoint in the CPUID exit handler is hit for that exit, and step over moves a line', async () => {
    // Further down the handler than where the VM-exit stop landed: hit by this same exit.
    const line = lineOf(CPUID_C, 'r->rax = c.eax;');
    const bp = await a.setBreakpointsRequest({ source: { path: CPUID_C }, breakpoints: [{ line }] });
    assert.ok(bp.body.breakpoints[0].verified, JSON.stringify(bp.body.breakpoints[0]));
    let stopped = a.waitForEvent('stopped', STOP_TIMEOUT_MS);
    await a.continueRequest({ threadId });
    let ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'breakpoint');
    threadId = ev.body.threadId ?? threadId;
    let top = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(top.name, 'hv_exit_cpuid');
    assert.strictEqual(path.basename(top.source?.path ?? ''), 'cpuid.c');
    assert.strictEqual(top.line, line);
    // Still the guest app's CPUID: GUEST_RIP has not moved yet (the handler skips it at its end).
    assert.strictEqual(hexOf(field(await vmcsGroups(), 'GUEST_RIP').value), cpuidRip);
    stopped = a.waitForEvent('stopped', STOP_TIMEOUT_MS);
    await a.nextRequest({ threadId });
    ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'step');
    top = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(top.name, 'hv_exit_cpuid');
    assert.ok(top.line > line, `line ${line} -> ${top.line}`);
    await a.setBreakpointsRequest({ source: { path: CPUID_C }, breakpoints: [] });
  });

  it('a WRMSR filter `msr == 0xC0000102` stops only on that MSR ("VM exit: WRMSR 0xC0000102 on CPU n")', async () => {
    const ex = await a.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [{ filterId: 'wrmsr', condition: 'msr == 0xC0000102' }],
    });
    assert.ok(ex.body?.breakpoints?.[0].verified, JSON.stringify(ex.body));
    const stopped = a.waitForEvent('stopped', STOP_TIMEOUT_MS);
    await a.continueRequest({ threadId });
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    threadId = ev.body.threadId ?? threadId;
    // The guest wrote IA32_TSC_AUX (0xC0000103) first: the filter let it pass.
    assert.match(ev.body.text ?? '', /^VM exit: WRMSR 0xC0000102 value 0x[0-9A-F]+ on CPU [01]$/);
    const groups = await vmcsGroups();
    const reason = field(groups, 'VM_EXIT_REASON');
    assert.strictEqual(hexOf(reason.value) & 0xffffn, 32n);
    const top = (await a.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(top.name, 'hv_exit_wrmsr', 'the stop lands in the WRMSR handler');
    const guest = (await a.scopesRequest({ frameId: top.id })).body.scopes.find((s) => s.name === 'Guest')!;
    const regs = (await a.variablesRequest({ variablesReference: guest.variablesReference })).body.variables;
    assert.strictEqual(hexOf(regs.find((r) => r.name === 'rcx')!.value) & 0xffffffffn, 0xc0000102n);
    // The VMCS write of the previous stop: the guest saw RFLAGS.AC right after its CPUID.
    const fl = await a.waitForOutput(
      /adapter-target: rflags after cpuid 0x([0-9a-f]+)/,
      10_000,
      'rflags line',
    );
    assert.strictEqual(BigInt(`0x${fl[1]}`) & RFLAGS_AC, RFLAGS_AC);
    assert.doesNotMatch(a.allOutput, /wrmsr done/, 'stopped before the guest went past the second WRMSR');
    // IA32_TSC_AUX's WRMSR before it exited (and was counted) without stopping; the stopped one is
    // counted once its handler has run.
    const stats = (await a.customRequest('hv/exitStats')).body as {
      counts: { number: number; count: number }[];
    };
    assert.ok(
      stats.counts.some((c) => c.number === 32 && c.count >= 1),
      JSON.stringify(stats),
    );
    await a.setExceptionBreakpointsRequest({ filters: [] });
  });

  it('disconnect with terminateDebuggee false detaches: the target runs on, the link is offered for attach', async () => {
    const stopped = a.waitForEvent('continued', 30_000);
    await a.continueRequest({ threadId });
    await stopped;
    await a.waitForOutput(/adapter-target: wrmsr done/, STOP_TIMEOUT_MS, 'the guest past its WRMSRs');
    await a.disconnectRequest({ terminateDebuggee: false });
    const m = await a.waitForOutput(
      /attach with "link": "(tcp:127\.0\.0\.1:\d+)"/,
      30_000,
      'the attach hint',
    );
    bridgeLink = m[1];
    assert.match(a.allOutput, /detached: the target runs on/);
    assert.ok(alive(emulatorPid), 'the emulator still runs');
  });

  it('attach (a second client) to the running target: stops, CPUs, driver at the same base, stack', async () => {
    startLog(b, 'attach');
    await b.start();
    await b.initializeRequest({
      adapterID: 'uefi-hv',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    const stopped = b.waitForEvent('stopped', 60_000);
    await b.attachRequest({
      link: bridgeLink,
      stopOnEntry: true,
      cwd: ROOT,
      requestTimeout: 20_000,
      linkLog: path.join(RESULTS, 'link-attach.log'),
    } as DebugProtocol.AttachRequestArguments);
    await b.configurationDoneRequest();
    const ev = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(ev.body.reason, 'entry');
    assert.strictEqual(
      BigInt(/driver HvDxe\.efi at (0x[0-9a-f]+)/.exec(b.allOutput)?.[1] ?? '0'),
      driverBase,
    );
    const t = await b.threadsRequest();
    assert.strictEqual(t.body.threads.length, 2);
    const frames = (await b.stackTraceRequest({ threadId: ev.body.threadId ?? 1 })).body.stackFrames;
    assert.ok(frames.length > 0 && frames[0].source?.path, JSON.stringify(frames[0]));
    const info = (await b.customRequest('hv/info')).body as { stub: { cpus: number } };
    assert.strictEqual(info.stub.cpus, 2);
    // The guest app is idling: it runs on after a continue (the kill below comes while it runs).
    const cont = b.waitForEvent('continued', 30_000);
    await b.continueRequest({ threadId: ev.body.threadId ?? 1 });
    await cont;
  });

  it('the emulator killed mid-session: terminated, a clear message, nothing left running', async () => {
    startLog(b, 'kill');
    const terminated = b.waitForEvent('terminated', 30_000);
    process.kill(emulatorPid, 'SIGKILL');
    await terminated;
    assert.match(b.allOutput, /uefi-hv: the debug link dropped/);
    const t0 = Date.now();
    while (alive(emulatorPid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(emulatorPid), 'emulator gone');
    assert.strictEqual(groupMembers(emulatorPid), '', "nothing left in the emulator's process group");
  });
});

// Bochs 2.7 does not bring OVMF back from a machine reset, so hv/reset on a Bochs launch is a new
// boot: the emulator stopped, terminated with restart: true (the client starts the session again).
describe('debug adapter on Bochs: hv/reset restarts the session', function () {
  this.timeout(BOOT_TIMEOUT_MS + STOP_TIMEOUT_MS);
  const client = new LoggedClient();
  let emulatorPid = 0;

  after(async () => {
    try {
      await client.stop();
    } finally {
      if (emulatorPid && alive(emulatorPid)) process.kill(-emulatorPid, 'SIGKILL');
      client.log?.end();
    }
  });

  it('hv/reset: the reset named, the emulator and its group gone, terminated asks for a restart', async () => {
    startLog(client, 'hv-reset');
    await client.start();
    const stopped = client.waitForEvent('stopped', BOOT_TIMEOUT_MS);
    await client.launch({
      profile: 'bochs',
      cpus: 1,
      stopOnEntry: true,
      cwd: ROOT,
      bootTimeout: BOOT_TIMEOUT_MS,
    });
    await client.configurationDoneRequest();
    await stopped;
    emulatorPid = Number(/emulator pid (\d+)/.exec(client.allOutput)?.[1]);
    assert.ok(emulatorPid > 0 && alive(emulatorPid));
    const terminated = client.waitForEvent('terminated', 30_000);
    const r = (await client.customRequest('hv/reset')).body as { how: string };
    assert.match(r.how, /Bochs restarted/);
    const ev = (await terminated) as DebugProtocol.TerminatedEvent;
    assert.strictEqual(ev.body?.restart, true);
    assert.match(client.allOutput, /uefi-hv: the target reset \(hv\/reset: Bochs restarted/);
    assert.ok(!alive(emulatorPid), 'emulator stopped');
    assert.strictEqual(groupMembers(emulatorPid), '', "nothing left in the emulator's process group");
  });
});
