// The adapter's hypervisor views end to end through real gdb and the real stub code: the stub's
// session loop built for the host (hv-driver/build/host/stub_host) behind a TCP socket, as the
// link. The target under that stub is the stub's canned fake (a VMCS, an EPT, guest
// memory), so this proves the adapter's wiring and the protocol between the two, not the
// hypervisor (the live stub under Bochs has suites of its own).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ExitStatsResponse } from '../../debug-adapter/src/session/customProtocol';
import { LoggedClient, resultsDir } from '../support/dapClient';
import { serveStubHost, StubHostServer } from '../support/stubHost';

const ROOT = path.resolve(__dirname, '../../..');
const RESULTS = resultsDir(ROOT, 'adapter-stub-host');

describe('debug adapter hypervisor views through gdb and the host-built stub (canned target)', function () {
  this.timeout(120_000);
  let stubHost: StubHostServer;
  const client = new LoggedClient(ROOT);
  const events: DebugProtocol.Event[] = [];

  before(async () => {
    stubHost = await serveStubHost(ROOT);
    client.startLog(RESULTS, 'session');
    client.on('hv/stopped', (e: DebugProtocol.Event) => events.push(e));
    await client.start();
    await client.initializeAsVsCode();
    const stopped = client.waitForEvent('stopped', 30_000);
    await client.attachRequest({
      link: `tcp:127.0.0.1:${stubHost.port}`,
      stopOnEntry: true,
      exitBreakpoints: ['triple-fault'],
      cwd: ROOT,
      linkLog: path.join(RESULTS, 'link.log'),
      verbose: true,
      logFile: path.join(RESULTS, 'gdb-mi.log'),
    } as DebugProtocol.AttachRequestArguments);
    await client.configurationDoneRequest();
    await stopped;
  });
  after(async () => {
    await client.stop();
    stubHost.close();
    client.log?.end();
  });

  it('takes the driver base from the stub (qHv.info)', async () => {
    const info = (await client.customRequest('hv/info')).body as {
      driver: { base: string; from: string };
      stub: { cpus: number };
    };
    assert.strictEqual(info.driver.base, '0x7e1a000');
    assert.match(info.driver.from, /uefi-hv stub/);
    assert.strictEqual(info.stub.cpus, 3);
  });

  it('every stop has Guest and VMCS scopes; the VMCS is grouped and decoded', async () => {
    const threads = await client.threadsRequest();
    const frame = (await client.stackTraceRequest({ threadId: threads.body.threads[0].id })).body
      .stackFrames[0];
    const scopes = await client.scopesRequest({ frameId: frame.id });
    assert.deepStrictEqual(
      scopes.body.scopes.map((s) => s.name),
      ['Local', 'Registers', 'Guest', 'VMCS'],
    );
    const vmcs = scopes.body.scopes.find((s) => s.name === 'VMCS')!;
    const groups = (await client.variablesRequest({ variablesReference: vmcs.variablesReference })).body
      .variables;
    assert.deepStrictEqual(
      groups.map((g) => g.name),
      ['Guest state', 'Host state', 'Controls', 'Exit information'],
    );
    const exitInfo = await client.variablesRequest({ variablesReference: groups[3].variablesReference });
    const reason = exitInfo.body.variables.find((v) => v.name === 'VM_EXIT_REASON')!;
    assert.ok(reason.presentationHint?.attributes?.includes('readOnly'));
    const decoded = await client.variablesRequest({ variablesReference: reason.variablesReference });
    assert.strictEqual(decoded.body.variables.find((v) => v.name === 'basic reason')!.value, '10 (CPUID)');
    const guest = await client.variablesRequest({ variablesReference: groups[0].variablesReference });
    assert.ok(guest.body.variables.some((v) => v.name === 'GUEST_RIP'));
    const regs = scopes.body.scopes.find((s) => s.name === 'Guest')!;
    const gregs = await client.variablesRequest({ variablesReference: regs.variablesReference });
    assert.ok(gregs.body.variables.some((v) => v.name === 'cr3'));
  });

  it('a VMCS write takes effect (setVariable, then the Debug Console short form reads it back)', async () => {
    const frame = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const scopes = await client.scopesRequest({ frameId: frame.id });
    const vmcs = scopes.body.scopes.find((s) => s.name === 'VMCS')!;
    const groups = (await client.variablesRequest({ variablesReference: vmcs.variablesReference })).body
      .variables;
    const set = await client.setVariableRequest({
      variablesReference: groups[0].variablesReference,
      name: 'GUEST_RIP',
      value: '0x3e5c1b0',
    });
    assert.strictEqual(set.body.value, '0x3e5c1b0');
    await assert.rejects(
      client.setVariableRequest({
        variablesReference: groups[3].variablesReference,
        name: 'VM_EXIT_REASON',
        value: '1',
      }),
      /read-only/,
    );
    const ev = await client.evaluateRequest({ expression: 'vmcs GUEST_RIP', context: 'repl' });
    assert.strictEqual(ev.body.result, '0x3e5c1b0');
  });

  it('VM-exit filters with conditions become stub exit breakpoints', async () => {
    const r = await client.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [
        { filterId: 'wrmsr', condition: 'msr == 0xC0000082' },
        { filterId: 'io', condition: 'port == 0xCF8 && out' },
        { filterId: 'cpuid', condition: 'leaf in 1..2' },
      ],
    });
    const b = r.body!.breakpoints!;
    assert.deepStrictEqual(
      b.map((x) => x.verified),
      [true, true, false, true], // the last: exitBreakpoints from the attach attributes
    );
    assert.match(b[2].message!, /one value, not a range/);
    const listed = fs.readFileSync(path.join(RESULTS, 'link.log'), 'utf8');
    assert.match(listed, /QHv\.exitbp:0,20,msr=c0000082/);
    assert.match(listed, /QHv\.exitbp:1,1e,port=cf8,dir=out/);
    assert.match(
      listed,
      /QHv\.exitbp:2,2\b/,
      'exitBreakpoints from the attach attributes: triple fault (reason 2)',
    );
  });

  it('an EPT walk returns every level; guest-physical memory through a gpa: reference', async () => {
    // The canned EPT maps 0x30123 through all four levels (shared vector hv-ept-4k).
    const walk = (await client.customRequest('hv/eptWalk', { address: '0x30123', space: 'gpa' })).body as {
      levels: { level: number }[];
      hpa?: string;
    };
    assert.deepStrictEqual(
      walk.levels.map((l) => l.level),
      [4, 3, 2, 1],
    );
    assert.strictEqual(walk.hpa, '0x30123');
    const ept = await client.evaluateRequest({ expression: 'ept 0x1000', context: 'repl' });
    assert.match(ept.body.result, /^EPTP 0x/);
    const mem = (await client.send('readMemory', {
      memoryReference: 'gpa:0x1000',
      count: 16,
    })) as DebugProtocol.ReadMemoryResponse;
    assert.strictEqual(Buffer.from(mem.body!.data!, 'base64').length, 16);
    const stats = (await client.customRequest('hv/exitStats')).body as ExitStatsResponse;
    assert.ok(Array.isArray(stats.counts));
    assert.ok(stats.counts.every((c) => typeof c.reason === 'string' && typeof c.count === 'number'));
  });

  // VS Code drops an adapter at its disconnect response; anything sent after that shows the user an
  // "Invalid debug adapter" error.
  it('sends nothing after its disconnect response', async () => {
    const late: string[] = [];
    let answered = false;
    for (const name of [
      'output',
      'terminated',
      'exited',
      'stopped',
      'continued',
      'thread',
      'hv/stopped',
      'hv/running',
    ])
      client.on(name, (e: DebugProtocol.Event) => {
        if (answered) late.push(`${name} ${JSON.stringify(e.body ?? {})}`);
      });
    await client.disconnectRequest({});
    answered = true;
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepStrictEqual(late, []);
  });
});
