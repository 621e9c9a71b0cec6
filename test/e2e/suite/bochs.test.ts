// End-to-end hypervisor debugging in a real VS Code (code-server) on the Bochs profile (emulated
// VT-x, the driver's live stub on COM2). ONE boot serves every step: F5 on a launch.json
// configuration with a CPUID VM-exit breakpoint and HvBench.efi as the guest (its CPUIDs make the
// exits) stops in the CPUID exit handler (exits/cpuid.c: the adapter lands the exit stop there) and
// the editor shows it; the Hypervisor views hold the stop: VMCS (GUEST_RIP, exit reason), an EPT
// walk of a GPA (every level), the VM exits chart, both CPUs; Stop target leaves no emulator.
// Checked through the extension's API (what each view shows) and the debug API; screenshots 20-26.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../../extension/src/extension';
import { AdapterWatch } from './adapterWatch';
import { shot, waitFor, writeResult } from './shots';
import { alive } from '../../support/processes';

const STOP_TIMEOUT_MS = Number(process.env.UEFI_HV_E2E_BOCHS_TIMEOUT_MS ?? 360000);
const VIEW_TIMEOUT_MS = Number(process.env.UEFI_HV_E2E_VIEW_TIMEOUT_MS ?? 30000);
const CONFIG_NAME = 'Hypervisor on Bochs (e2e)';

interface StackFrame {
  name: string;
  line: number;
  source?: { path?: string };
}

function root(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder open');
  return f;
}

// Processes started for a run folder (the emulator's command line names its bochsrc there).
function processesOf(runDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(runDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function runBuildTask(): Promise<void> {
  const tasks = await vscode.tasks.fetchTasks({ type: 'uefi-hv' });
  const task = tasks.find((t) => t.name === 'build standalone DEBUG');
  assert.ok(task, `no "build standalone DEBUG" task; have: ${tasks.map((t) => t.name).join(', ')}`);
  const code = await new Promise<number>((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.name === task.name) {
        sub.dispose();
        resolve(e.exitCode ?? -1);
      }
    });
    void vscode.tasks.executeTask(task);
  });
  assert.strictEqual(code, 0, 'the driver build failed');
}

function api(): WorkbenchApi {
  const a = vscode.extensions.getExtension<WorkbenchApi>('uefi-hv.uefi-hv-workbench')?.exports;
  assert.ok(a, 'the extension is not active');
  return a;
}

async function focusHypervisorViews(): Promise<void> {
  await vscode.commands.executeCommand('workbench.view.extension.uefi-hv');
}

describe('Hypervisor debugging on Bochs in VS Code (CPUID exit, views, stop)', function () {
  // Created in before(): VS Code gives a tracker only to sessions started after that, so a
  // previous suite's session (and its late events) is never counted here.
  let watch: AdapterWatch;
  let session: vscode.DebugSession | undefined;
  let threadId = 1;
  let started = 0;
  const subs: vscode.Disposable[] = [];

  const stoppedAfter = (n: number, what: string, test: (b: Record<string, unknown>) => boolean) =>
    waitFor(
      what,
      () => {
        const gone = watch.events.slice(n).find((e) => e.event === 'terminated');
        if (gone)
          throw new Error(`the session ended while waiting for ${what}: ${watch.failures.join('; ')}`);
        return watch.events.slice(n).find((e) => e.event === 'stopped' && test(e.body))?.body;
      },
      STOP_TIMEOUT_MS,
      200,
    );

  before(() => {
    watch = new AdapterWatch();
  });
  after(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    for (const s of subs) s.dispose();
    watch.dispose();
    if (watch.emulatorPid && alive(watch.emulatorPid)) process.kill(watch.emulatorPid, 'SIGKILL');
  });

  it('F5 on the Bochs profile with a CPUID exit breakpoint stops in the CPUID exit handler', async () => {
    const folder = root();
    const build = path.join(folder.uri.fsPath, 'hv-driver', 'build', 'DEBUG');
    if (!fs.existsSync(path.join(build, 'HvBench.efi'))) await runBuildTask(); // when run alone
    assert.ok(fs.existsSync(path.join(build, 'HvBench.efi')), `no HvBench.efi in ${build} after the build`);
    // The configuration a user writes in launch.json; F5 starts the selected one by name.
    const config: vscode.DebugConfiguration = {
      type: 'uefi-hv',
      request: 'launch',
      name: CONFIG_NAME,
      profile: 'bochs',
      exitBreakpoints: ['cpuid'],
      // The guest: HvBench.efi from the shell (20000 CPUIDs), once the hypervisor is loaded.
      espFiles: {
        '\\HvBench.efi': '${workspaceFolder}/hv-driver/build/DEBUG/HvBench.efi',
      },
      startupNsh: 'fs0:\\HvBench.efi\n',
    };
    const launchJson = path.join(folder.uri.fsPath, '.vscode', 'launch.json');
    fs.mkdirSync(path.dirname(launchJson), { recursive: true });
    const existing = fs.existsSync(launchJson)
      ? (JSON.parse(fs.readFileSync(launchJson, 'utf8')) as {
          configurations: vscode.DebugConfiguration[];
        })
      : { configurations: [] };
    const configurations = [...existing.configurations.filter((c) => c.name !== CONFIG_NAME), config];
    fs.writeFileSync(launchJson, JSON.stringify({ version: '0.2.0', configurations }, null, 2));
    await new Promise((r) => setTimeout(r, 1000)); // VS Code re-reads launch.json on change
    started = Date.now();
    const ok = await vscode.debug.startDebugging(folder, CONFIG_NAME);
    assert.ok(ok, `startDebugging failed: ${watch.failures.join('; ') || 'no adapter message'}`);
    session = vscode.debug.activeDebugSession;
    assert.strictEqual(session?.type, 'uefi-hv');
    await shot('20-bochs-booting');
    const stop = await stoppedAfter(0, 'a stop at a CPUID VM exit', () => true);
    const seconds = (Date.now() - started) / 1000;
    writeResult('f5ToStoppedInCpuidHandlerSecondsBochs', Number(seconds.toFixed(1)));
    assert.strictEqual(stop.reason, 'exception', `stopped for ${JSON.stringify(stop)}`);
    assert.match(String(stop.description ?? stop.text), /VM exit: CPUID/, JSON.stringify(stop));
    threadId = Number(stop.threadId ?? 1);
    assert.ok(
      watch.emulatorPid > 0 && alive(watch.emulatorPid),
      `no live emulator (pid ${watch.emulatorPid})`,
    );
    // The adapter lands the exit stop in the exit's handler: hv_exit_cpuid, exits/cpuid.c.
    const st = (await session!.customRequest('stackTrace', { threadId })) as { stackFrames: StackFrame[] };
    const top = st.stackFrames[0];
    assert.strictEqual(top.name, 'hv_exit_cpuid', JSON.stringify(st.stackFrames.slice(0, 3)));
    assert.strictEqual(path.basename(top.source?.path ?? ''), 'cpuid.c');
    await waitFor(
      'cpuid.c in the editor at the stop',
      () =>
        path.basename(vscode.window.activeTextEditor?.document.uri.fsPath ?? '') === 'cpuid.c' &&
        vscode.window.activeTextEditor?.selection.active.line === top.line - 1
          ? true
          : undefined,
      VIEW_TIMEOUT_MS,
    );
    await waitFor(
      'the status bar at the CPUID exit',
      () =>
        api().state().phase === 'stopped' && /CPUID/.test(api().state().detail ?? '') ? true : undefined,
      VIEW_TIMEOUT_MS,
    );
    assert.strictEqual(api().state().profile, 'bochs');
    await shot('21-bochs-stopped-in-cpuid-handler');
  });

  it('the VMCS view shows GUEST_RIP and the exit reason (CPUID)', async () => {
    await focusHypervisorViews();
    const v = await waitFor('the VMCS view', () => api().views.vmcs(), VIEW_TIMEOUT_MS);
    const fields = v.groups.flatMap((g) => g.fields);
    const rip = fields.find((f) => f.name === 'GUEST_RIP');
    assert.ok(rip && /^0x[0-9a-f]+$/i.test(rip.value) && BigInt(rip.value) !== 0n, JSON.stringify(rip));
    const reason = fields.find((f) => f.name === 'VM_EXIT_REASON' || f.name === 'EXIT_REASON');
    assert.ok(reason, `no exit reason field in ${fields.map((f) => f.name).join(' ')}`);
    assert.strictEqual(Number(BigInt(reason.value) & 0xffffn), 10, `exit reason ${JSON.stringify(reason)}`); // CPUID
    assert.match(JSON.stringify(reason), /CPUID/i);
    await vscode.commands.executeCommand('uefi-hv.vmcs.focus');
    assert.ok(await api().views.revealVmcsField('GUEST_RIP'));
    await shot('22-bochs-vmcs-view-guest-rip');
    assert.ok(await api().views.revealVmcsField(reason.name));
    await shot('22b-bochs-vmcs-view-exit-reason');
  });

  it('the EPT walk view shows every level of a GPA entered', async () => {
    const gpa = '0x100000';
    await vscode.commands.executeCommand('uefi-hv.eptWalk', gpa, 'gpa');
    const w = await waitFor('the EPT walk', () => api().views.ept(), VIEW_TIMEOUT_MS);
    assert.ok(!('error' in w), JSON.stringify(w));
    const levels = w.rows.map((r) => r.level);
    assert.ok(w.rows.length >= 2, `only ${w.rows.length} level(s): ${JSON.stringify(w.rows)}`);
    // From the PML4 down to the leaf: every level in order, none skipped.
    const order = ['PML4E', 'PDPTE', 'PDE', 'PTE'];
    assert.deepStrictEqual(
      levels.map((l) => l.replace(/^EPT /, '')),
      order.slice(0, levels.length),
      'EPT levels from the PML4 down, none skipped',
    );
    assert.match(w.title, /HPA 0x/, w.title);
    await shot('23-bochs-ept-walk-view');
  });

  it('the VM exits chart has data, and a second stop (the next CPUID) adds to it', async () => {
    assert.ok(session, 'no session');
    await vscode.commands.executeCommand('uefi-hv.exits.focus');
    const cpuidCount = (x: ReturnType<WorkbenchApi['views']['exits']>): number =>
      x?.reasons.find((r) => r.reason === 'CPUID')?.total ?? 0;
    const first = await waitFor(
      'VM exit counts',
      () => {
        const x = api().views.exits();
        return x && x.reasons.some((r) => r.total > 0) && x.points.length >= 1 ? x : undefined;
      },
      VIEW_TIMEOUT_MS,
    );
    // Continue: the guest's next CPUID stops again (in the handler); the views refresh on the stop.
    const n = watch.events.length;
    await session!.customRequest('continue', { threadId });
    const stop = await stoppedAfter(n, 'the next CPUID exit', (b) =>
      /VM exit: CPUID/.test(String(b.description ?? b.text)),
    );
    threadId = Number(stop.threadId ?? threadId);
    const s = await waitFor(
      'VM exit counts after the second stop',
      () => {
        const x = api().views.exits();
        return x && x.points.length >= 2 && cpuidCount(x) > cpuidCount(first) ? x : undefined;
      },
      VIEW_TIMEOUT_MS,
    );
    writeResult('exitCountsAtSecondStop', Object.fromEntries(s.reasons.map((r) => [r.reason, r.total])));
    await shot('24-bochs-vm-exits-view');
  });

  it('the CPUs view lists both CPUs, the stopped one with its exit', async () => {
    await vscode.commands.executeCommand('uefi-hv.cpus.focus');
    const cpus = await waitFor(
      'the CPUs view',
      () => (api().views.cpus().length ? api().views.cpus() : undefined),
      VIEW_TIMEOUT_MS,
    );
    assert.deepStrictEqual(
      cpus.map((c) => c.id),
      [0, 1],
      JSON.stringify(cpus),
    );
    assert.ok(
      cpus.every((c) => c.state === 'stopped'),
      JSON.stringify(cpus),
    );
    assert.ok(
      cpus.some((c) => /CPUID/i.test(c.exit ?? '')),
      JSON.stringify(cpus),
    );
    await shot('25-bochs-cpus-view');
  });

  it('Stop target ends the session and leaves no emulator', async () => {
    assert.ok(session, 'no session');
    const pid = watch.emulatorPid;
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id === session!.id) {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.commands.executeCommand('uefi-hv.stop');
    await Promise.race([
      ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('session did not end in 30 s')), 30000)),
    ]);
    await waitFor('the emulator to be gone', () => (alive(pid) ? undefined : true), 20000);
    assert.ok(watch.runDir, 'the adapter never named its run folder');
    assert.deepStrictEqual(processesOf(watch.runDir), [], `processes left for ${watch.runDir}`);
    session = undefined;
    // The views let go of the ended session's data.
    await waitFor(
      'the views cleared',
      () => (api().views.vmcs() || api().views.ept() ? undefined : true),
      5000,
    );
    assert.deepStrictEqual(api().views.cpus(), []);
    assert.deepStrictEqual(api().views.exits()?.reasons ?? [], []);
    await shot('26-bochs-session-ended');
  });
});

describe('Boot and Debug (the command) on the selected profile', function () {
  it('builds, boots Bochs under the debugger, stops at a VM exit in its handler; Stop target ends it', async () => {
    assert.strictEqual(api().state().profile, 'bochs', 'the sample workspace selects bochs');
    const watch = new AdapterWatch();
    const stops = (): Record<string, unknown>[] =>
      watch.events.filter((e) => e.event === 'stopped').map((e) => e.body);
    try {
      const started = Date.now();
      await vscode.commands.executeCommand('uefi-hv.bootAndDebug');
      const session = await waitFor(
        'a uefi-hv session',
        () => vscode.debug.activeDebugSession,
        VIEW_TIMEOUT_MS,
      );
      assert.strictEqual(session.type, 'uefi-hv');
      assert.strictEqual(session.configuration.profile, 'bochs');
      assert.deepStrictEqual(session.configuration.exitBreakpoints, ['cpuid']);
      const stop = await waitFor('a stop', () => stops()[0], STOP_TIMEOUT_MS, 200);
      writeResult('bootAndDebugToStopSecondsBochs', Number(((Date.now() - started) / 1000).toFixed(1)));
      assert.match(String(stop.description ?? stop.text), /VM exit: CPUID/, JSON.stringify(stop));
      await waitFor(
        'the handler in the editor',
        () =>
          path.basename(vscode.window.activeTextEditor?.document.uri.fsPath ?? '') === 'cpuid.c'
            ? true
            : undefined,
        VIEW_TIMEOUT_MS,
      ).catch(() => undefined); // the screenshot shows where the editor is
      await shot('27-boot-and-debug-stopped');
      const ended = new Promise<void>((resolve) => {
        const s = vscode.debug.onDidTerminateDebugSession((x) => {
          if (x.id === session.id) {
            s.dispose();
            resolve();
          }
        });
      });
      await vscode.commands.executeCommand('uefi-hv.stop');
      await ended;
      assert.ok(watch.runDir, 'the adapter never named its run folder');
      await waitFor(
        'no process of the run',
        () => (processesOf(watch.runDir).length ? undefined : true),
        20000,
      );
    } finally {
      watch.dispose();
      if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    }
  });
});
