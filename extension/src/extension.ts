// Extension entry point. Kept tiny and cheap: each feature area registers itself; the launcher,
// profile schema checks and views' data load on first use.
import * as vscode from 'vscode';
import { registerDebugger } from './debug/debugProvider';
import { registerLanguageFeatures } from './languages';
import { TargetController } from './session/controller';
import { TargetState } from './session/targetState';
import { BuildTaskProvider, defaultBuildTaskLabel, TASK_SOURCE } from './tasks/taskProvider';
import { TargetStatusBar } from './ui/statusBar';
import { HvViewsState, registerViews } from './views/register';

// When the bundle started and finished loading (its first and last lines, see extension/bundle.mjs);
// under tsc's out/ only this module's own evaluation is seen. VS Code then prepares the extension
// context (storage, secrets...) before it calls activate(): that wait is VS Code's, reported apart.
declare const __uefiHvLoadStart: number | undefined;
declare const __uefiHvLoadEnd: number | undefined;
const moduleStart = performance.now();

// What tests (and other extensions) can read through `extensions.getExtension(...).exports`.
export interface WorkbenchApi {
  activationMs: number; // bundle load + activate(), without VS Code's wait in between
  phasesMs: Record<string, number>; // load, vscodeWait, then each registration step
  state(): TargetState;
  controller: TargetController;
  views: HvViewsState; // what the Hypervisor views show now
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
  const enter = performance.now();
  const loadStart = typeof __uefiHvLoadStart === 'number' ? __uefiHvLoadStart : moduleStart;
  const loadEnd = typeof __uefiHvLoadEnd === 'number' ? __uefiHvLoadEnd : moduleStart;
  const phasesMs: Record<string, number> = { load: loadEnd - loadStart, vscodeWait: enter - loadEnd };
  let last = enter;
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
    // The provider fills in the selected profile and the rest (as F5 without launch.json); the build
    // comes first, as the default configuration's preLaunchTask.
    await vscode.debug.startDebugging(folder, {
      type: 'uefi-hv',
      request: 'launch',
      name: 'Boot and Debug',
      preLaunchTask: defaultBuildTaskLabel(),
    });
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
  const views = registerViews(context, controller);
  phase('views');
  registerLanguageFeatures(context);
  phase('languages');
  // Our cost: loading the bundle plus activate() itself.
  const activationMs = phasesMs.load + (performance.now() - enter);
  const detail = Object.entries(phasesMs)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  log.info(`activated in ${activationMs.toFixed(1)} ms (${detail})`);
  return { activationMs, phasesMs, state: () => controller.current, controller, views };
}

export function deactivate(): void {}
