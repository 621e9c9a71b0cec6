// End-to-end debugging in a real VS Code (code-server) with the packaged extension: a `uefi-hv`
// launch configuration from launch.json on the qemu-tcg profile (QEMU's gdbstub behind the
// adapter's link proxy; no VT-x needed) started as F5 starts it, stopOnEntry stops in hv_efi_main,
// a breakpoint added through the VS Code API in a driver C file is hit, and stopping the session
// leaves no emulator. Checked through the debug API of the extension host: the active stack item,
// a DebugAdapterTracker seeing the adapter's own messages, and customRequest('stackTrace').
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { AdapterWatch } from './adapterWatch';
import { shot, waitFor, writeResult } from './shots';
import { alive, lineOf } from '../../support/processes';

const STOP_TIMEOUT_MS = Number(process.env.UEFI_HV_E2E_DEBUG_TIMEOUT_MS ?? 240000);
const CONFIG_NAME = 'Hypervisor on QEMU TCG (e2e)';

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

async function buildIfMissing(driverDir: string): Promise<void> {
  if (fs.existsSync(path.join(driverDir, 'build', 'DEBUG', 'HvDxe.debug'))) return;
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

describe('Debugging the driver in VS Code (uefi-hv on QEMU TCG)', function () {
  // Created in before(): VS Code gives a tracker only to sessions started after that, so a
  // previous suite's session (and its late events) is never counted here.
  let watch: AdapterWatch;
  let session: vscode.DebugSession | undefined;
  let threadId = 1;
  const subs: vscode.Disposable[] = [];

  const stoppedAfter = (n: number, reason?: string): Promise<Record<string, unknown>> =>
    waitFor(
      `a stopped event${reason ? ` (${reason})` : ''}`,
      () =>
        watch.events.slice(n).find((e) => e.event === 'stopped' && (!reason || e.body.reason === reason))
          ?.body,
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

  it('F5 on a uefi-hv launch configuration with stopOnEntry stops in hv_efi_main (entry.c)', async () => {
    const folder = root();
    const driverDir = path.join(folder.uri.fsPath, 'hv-driver');
    await buildIfMissing(driverDir);
    // The configuration a user writes in launch.json, passed as F5 passes the selected one.
    const config: vscode.DebugConfiguration = {
      type: 'uefi-hv',
      request: 'launch',
      name: CONFIG_NAME,
      profile: 'qemu-tcg',
      stopOnEntry: true,
    };
    fs.mkdirSync(path.join(folder.uri.fsPath, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(folder.uri.fsPath, '.vscode', 'launch.json'),
      JSON.stringify({ version: '0.2.0', configurations: [config] }, null, 2),
    );
    const activeItem = new Promise<vscode.DebugThread | vscode.DebugStackFrame>((resolve) => {
      const sub = vscode.debug.onDidChangeActiveStackItem((item) => {
        if (item && item.session.type === 'uefi-hv') {
          sub.dispose();
          resolve(item);
        }
      });
      subs.push(sub);
    });
    const started = Date.now();
    const ok = await vscode.debug.startDebugging(folder, config);
    assert.ok(ok, `startDebugging failed: ${watch.failures.join('; ') || 'no adapter message'}`);
    session = vscode.debug.activeDebugSession;
    assert.strictEqual(session?.type, 'uefi-hv');
    const stop = await stoppedAfter(0);
    const f5ToStopped = (Date.now() - started) / 1000;
    writeResult('f5ToStoppedOnEntrySecondsQemuTcg', Number(f5ToStopped.toFixed(1)));
    assert.strictEqual(stop.reason, 'entry', `stopped for ${JSON.stringify(stop)}`);
    threadId = Number(stop.threadId ?? 1);

    const item = await Promise.race([
      activeItem,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 15000)),
    ]);
    assert.ok(item, 'VS Code never made a uefi-hv stack item active');
    assert.strictEqual(item.session.id, session!.id);

    const st = (await session!.customRequest('stackTrace', { threadId })) as { stackFrames: StackFrame[] };
    const top = st.stackFrames[0];
    assert.strictEqual(top.name, 'hv_efi_main', JSON.stringify(st.stackFrames.slice(0, 3)));
    assert.strictEqual(path.basename(top.source?.path ?? ''), 'entry.c');
    assert.ok(
      watch.emulatorPid > 0 && alive(watch.emulatorPid),
      `no live emulator (pid ${watch.emulatorPid})`,
    );
    // The status bar names the session's profile and the stop (the phase the extension shows).
    const api = vscode.extensions.getExtension<{ state(): { phase: string; profile: string } }>(
      'uefi-hv.uefi-hv-workbench',
    )?.exports;
    await waitFor(
      'the status bar at stopped',
      () => (api?.state().phase === 'stopped' ? true : undefined),
      5000,
    );
    assert.strictEqual(api?.state().profile, 'qemu-tcg');
    // The editor shows the stop: the active editor is entry.c once VS Code has focused the frame.
    await waitFor(
      'entry.c in the editor',
      () =>
        path.basename(vscode.window.activeTextEditor?.document.uri.fsPath ?? '') === 'entry.c'
          ? true
          : undefined,
      15000,
    );
    await shot('10-debug-stopped-on-entry');
  });

  it('a breakpoint added through the VS Code API in driver C code is hit', async () => {
    assert.ok(session, 'no session (the previous test failed)');
    const entryC = path.join(root().uri.fsPath, 'hv-driver', 'boot', 'entry.c');
    const line = lineOf(entryC, 'hv_memory_init(');
    const bp = new vscode.SourceBreakpoint(
      new vscode.Location(vscode.Uri.file(entryC), new vscode.Position(line - 1, 0)),
    );
    const n = watch.events.length;
    vscode.debug.addBreakpoints([bp]);
    // VS Code sends setBreakpoints on its own; wait for the adapter to confirm it.
    await waitFor(
      'the breakpoint to be verified',
      () =>
        watch.events
          .slice(n)
          .some((e) => e.event === 'breakpoint' && (e.body.breakpoint as { verified?: boolean })?.verified)
          ? true
          : undefined,
      5000,
    ).catch(() => undefined); // not every adapter sends a breakpoint event: the stop below decides
    const m = watch.events.length;
    await session!.customRequest('continue', { threadId });
    const stop = await stoppedAfter(m);
    assert.strictEqual(stop.reason, 'breakpoint', `stopped for ${JSON.stringify(stop)}`);
    const st = (await session!.customRequest('stackTrace', {
      threadId: Number(stop.threadId ?? threadId),
    })) as {
      stackFrames: StackFrame[];
    };
    assert.strictEqual(st.stackFrames[0].line, line, JSON.stringify(st.stackFrames[0]));
    assert.strictEqual(path.basename(st.stackFrames[0].source?.path ?? ''), 'entry.c');
    await waitFor(
      'the editor at the breakpoint line',
      () => (vscode.window.activeTextEditor?.selection.active.line === line - 1 ? true : undefined),
      15000,
    ).catch(() => undefined); // the screenshot shows where the editor is
    await shot('11-debug-breakpoint-hit');
    vscode.debug.removeBreakpoints([bp]);
  });

  it('stopping the session leaves no emulator', async () => {
    assert.ok(session, 'no session (the first test failed)');
    const pid = watch.emulatorPid;
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id === session!.id) {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.debug.stopDebugging(session);
    await Promise.race([
      ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('session did not end in 20 s')), 20000)),
    ]);
    await waitFor('the emulator to be gone', () => (alive(pid) ? undefined : true), 15000);
    session = undefined;
    await shot('12-debug-session-ended');
  });
});
