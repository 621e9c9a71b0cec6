// End-to-end, in a real VS Code (code-server 1.99.3) with the packaged extension: the sample
// workspace opens and the extension activates; a broken C file's error reaches Problems on its
// line through the build task; Boot under Bochs shows the driver's banner on the console terminal;
// Reset power-cycles it (a new emulator, the banner again); Stop leaves no emulator running.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { shot, waitFor, writeResult } from './shots';
import { alive } from '../../support/processes';

interface Api {
  activationMs: number;
  phasesMs: Record<string, number>;
  state(): { phase: string; profile: string; detail?: string };
  controller: { targetPid?: number };
}

const EXT_ID = 'uefi-hv.uefi-hv-workbench';
const BOOT_TIMEOUT_MS = Number(process.env.UEFI_HV_E2E_BOOT_TIMEOUT_MS ?? 240000);
const BANNER = /hv: [\d.]+ cpu0 INFO +uefi-hv \S+ loaded at 0x[0-9a-f]+/;

function root(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder open');
  return f.uri.fsPath;
}

async function runBuildTask(): Promise<number> {
  const tasks = await vscode.tasks.fetchTasks({ type: 'uefi-hv' });
  const task = tasks.find((t) => t.name === 'build standalone DEBUG');
  assert.ok(task, `no "build standalone DEBUG" task; have: ${tasks.map((t) => t.name).join(', ')}`);
  return new Promise<number>((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.name === task.name) {
        sub.dispose();
        resolve(e.exitCode ?? -1);
      }
    });
    void vscode.tasks.executeTask(task);
  });
}

// "pid comm" of every live process whose process group is pgid (from /proc/PID/stat).
function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') out.push(`${d} ${comm}`);
  }
  return out;
}

describe('UEFI Hypervisor Workbench in VS Code', function () {
  let api: Api;

  it('opens the sample workspace and activates, showing the profile in the status bar', async () => {
    const ext = vscode.extensions.getExtension<Api>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    api = await waitFor('activation', () => (ext.isActive ? ext.exports : undefined), 30000);
    assert.ok(
      fs.existsSync(path.join(root(), 'hv-driver', 'Makefile')),
      'sample workspace has no hv-driver/',
    );
    assert.strictEqual(api.state().profile, 'bochs');
    writeResult('activationMs', Number(api.activationMs.toFixed(2)));
    writeResult(
      'activationPhasesMs',
      Object.fromEntries(Object.entries(api.phasesMs).map(([k, v]) => [k, Number(v.toFixed(2))])),
    );
    // VS Code's own figure: Developer: Show Running Extensions lists each extension's activation time.
    await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
    await new Promise((r) => setTimeout(r, 3000)); // the editor fills in once the profile data arrives
    await shot('00-running-extensions');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const doc = await vscode.workspace.openTextDocument(path.join(root(), 'hv-driver', 'boot', 'entry.c'));
    await vscode.window.showTextDocument(doc);
    await shot('01-workspace-activated');
  });

  it('the build task puts a broken C file’s error in Problems on its line', async () => {
    const file = path.join(root(), 'hv-driver', 'boot', 'e2e_broken.c');
    fs.writeFileSync(
      file,
      [
        '/* e2e: line 4 uses an undeclared identifier */',
        'int hv_e2e_broken(void)',
        '{',
        '    return UndefinedThing;',
        '}',
        '',
      ].join('\n'),
    );
    try {
      const code = await runBuildTask();
      assert.notStrictEqual(code, 0, 'the build of a broken file succeeded');
      const uri = vscode.Uri.file(file);
      const diags = await waitFor(
        'the diagnostic of e2e_broken.c',
        () => {
          const d = vscode.languages.getDiagnostics(uri);
          return d.length ? d : undefined;
        },
        10000,
      );
      const d = diags[0];
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(d.range.start.line, 3, `error on line ${d.range.start.line + 1}, expected 4`);
      assert.strictEqual(d.range.start.character, 11); // clang column 12
      assert.match(d.message, /use of undeclared identifier 'UndefinedThing'/);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await shot('02-build-error-in-problems');
    } finally {
      fs.rmSync(file, { force: true });
    }
    assert.strictEqual(await runBuildTask(), 0, 'the build failed after the broken file was removed');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the profile picker lists every profile, the ones this host cannot run marked with the reason', async () => {
    const picking = vscode.commands.executeCommand('uefi-hv.selectProfile');
    await new Promise((r) => setTimeout(r, 1500));
    await shot('03-profile-picker');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await picking;
    assert.strictEqual(api.state().profile, 'bochs', 'closing the picker changed the profile');
  });

  it('Boot (no debugging) under Bochs shows the driver banner on the console; Reset boots again; Stop leaves no emulator', async () => {
    const log = path.join(root(), '.hv', 'console.log');
    const started = Date.now();
    await vscode.commands.executeCommand('uefi-hv.boot');
    assert.strictEqual(api.state().phase, 'running', `after Boot: ${JSON.stringify(api.state())}`);
    const pid = api.controller.targetPid;
    assert.ok(pid && alive(pid), 'no emulator process after Boot');
    const term = vscode.window.terminals.find((t) => t.name === 'UEFI console (bochs)');
    assert.ok(term, `no console terminal; have: ${vscode.window.terminals.map((t) => t.name).join(', ')}`);
    const banner = await waitFor(
      'the driver banner in the console log',
      () => BANNER.exec(fs.existsSync(log) ? fs.readFileSync(log, 'latin1') : '')?.[0],
      BOOT_TIMEOUT_MS,
      500,
    );
    writeResult('bootToBannerSeconds', Number(((Date.now() - started) / 1000).toFixed(1)));
    writeResult('banner', banner);
    term.show();
    await shot('04-boot-console-banner');

    // The console takes input: type a shell command once the UEFI shell prompts.
    const text = (): string => (fs.existsSync(log) ? fs.readFileSync(log, 'latin1') : '');
    await waitFor(
      'the UEFI shell prompt',
      () => (/Shell> /.test(text()) ? true : undefined),
      BOOT_TIMEOUT_MS,
      500,
    );
    term.sendText('echo uefi-hv-e2e-typed', false);
    term.sendText('\r', false);
    // The shell echoes the typed keys one by one (with cursor moves between them), then prints the
    // output on a line of its own: only the output is this contiguous line.
    await waitFor(
      'the echo command output',
      () => (/\r\nuefi-hv-e2e-typed\r\n/.test(text()) ? true : undefined),
      60000,
      500,
    );
    await shot('05-shell-input');

    // Reset target: Bochs has no reset line from outside, so Reset power-cycles it (the old emulator
    // gone, a new one booting the same images: the banner comes again in a fresh console log).
    const resetAt = Date.now();
    await vscode.commands.executeCommand('uefi-hv.reset');
    const pid2 = api.controller.targetPid;
    assert.ok(pid2 && pid2 !== pid && alive(pid2), `no new emulator after Reset (${pid} -> ${pid2})`);
    assert.ok(!alive(pid), `the emulator before Reset (${pid}) still runs`);
    await waitFor(
      'the driver banner after Reset',
      () => BANNER.exec(fs.existsSync(log) ? fs.readFileSync(log, 'latin1') : '')?.[0],
      BOOT_TIMEOUT_MS,
      500,
    );
    writeResult('resetToBannerSeconds', Number(((Date.now() - resetAt) / 1000).toFixed(1)));
    assert.strictEqual(api.state().phase, 'running');
    await shot('05b-after-reset');
    await stopAndCheck(pid2);
  });
});

async function stopAndCheck(pid: number): Promise<void> {
  {
    await vscode.commands.executeCommand('uefi-hv.stop');
    await waitFor('the emulator to be gone', () => (alive(pid) ? undefined : true), 15000);
    // Nothing left in its process group either (the launcher kills the group).
    const left = await waitFor(
      'its process group to be empty',
      () => {
        const m = groupMembers(pid);
        return m.length ? undefined : m;
      },
      10000,
    ).catch(() => groupMembers(pid));
    assert.deepStrictEqual(left, [], `processes left in the emulator's group: ${left.join(', ')}`);
    await waitFor('state exited', () => (api().state().phase === 'exited' ? true : undefined), 5000);
    await shot('06-stopped');
  }
}

function api(): Api {
  return vscode.extensions.getExtension<Api>(EXT_ID)!.exports;
}
