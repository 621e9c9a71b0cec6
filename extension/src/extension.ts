// Extension entry point. Kept tiny and cheap: each feature area registers itself; the launcher,
// profile schema checks and views' data load on first use.
import * as vscode from 'vscode';
import { registerDebugger } from './debug/debugProvider';
import { TargetController } from './session/controller';
import { TargetState } from './session/targetState';
import { BuildTaskProvider, TASK_SOURCE } from './tasks/taskProvider';
import { TargetStatusBar } from './ui/statusBar';
import { registerViews } from './views/register';

// When the bundle started loading (set by its first line, see extension/bundle.mjs), else when this
// module did (tsc output): the activation time includes loading our code, not only activate().
declare const __uefiHvLoadStart: number | undefined;
const loadedAt = typeof __uefiHvLoadStart === 'number' ? __uefiHvLoadStart : performance.now();

// What tests (and other extensions) can read through `extensions.getExtension(...).exports`.
export interface WorkbenchApi {
  activationMs: number;
  phasesMs: Record<string, number>; // load, then each registration step
  state(): TargetState;
  controller: TargetController;
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
  const phasesMs: Record<string, number> = { load: performance.now() - loadedAt };
  let last = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phasesMs[name] = now - last;
    last = now;
  };
  const log = vscode.window.createOutputChannel('UEFI Hypervisor', { log: true });
  phase('outputChannel');
  const status = new TargetStatusBar();
  const controller = new TargetController(context, log, status);
  phase('statusBar+controller');
  const command = (id: string, run: () => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };
  command('uefi-hv.build', () => controller.build());
  command('uefi-hv.boot', () => controller.boot());
  command('uefi-hv.bootAndDebug', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    // An empty configuration: the provider fills in the selected profile (as F5 without launch.json).
    await vscode.debug.startDebugging(folder, { type: 'uefi-hv', request: 'launch', name: 'Boot and Debug' });
  });
  command('uefi-hv.stop', () => controller.stop());
  command('uefi-hv.reset', () => controller.reset());
  command('uefi-hv.selectProfile', () => controller.selectProfile());
  command('uefi-hv.showLog', () => log.show());
  command('uefi-hv.showConsole', () =>
    vscode.window.terminals.find((t) => t.name.startsWith('UEFI console'))?.show(),
  );
  context.subscriptions.push(
    log,
    status,
    { dispose: () => void controller.dispose() },
    vscode.tasks.registerTaskProvider(TASK_SOURCE, new BuildTaskProvider(context.extensionPath)),
  );
  phase('commands+tasks');
  registerDebugger(context, controller);
  phase('debugger');
  registerViews(context, controller);
  phase('views');
  const activationMs = performance.now() - loadedAt;
  const detail = Object.entries(phasesMs)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  log.info(`activated in ${activationMs.toFixed(1)} ms (${detail})`);
  return { activationMs, phasesMs, state: () => controller.current, controller };
}

export function deactivate(): void {}
