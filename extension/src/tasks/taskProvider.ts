// Provides `uefi-hv` build tasks. Each runs `uefi-hv build ...` (the CLI) in a task terminal with
// the Node that runs this extension host, so the output the problem matchers read is exactly what
// the CLI prints in a shell.
import * as vscode from 'vscode';
import { cliEntry, discoverDriverDir, discoverEdk2 } from '../ui/discovery';
import { readSettings, workspaceRoot } from '../ui/settings';
import {
  BuildDefaults,
  BuildTaskDefinition,
  BuildTaskError,
  cliBuildArgs,
  PROBLEM_MATCHERS,
  providedDefinitions,
  taskName,
} from './buildTask';

export const TASK_SOURCE = 'uefi-hv';

export function buildDefaults(): BuildDefaults {
  const s = readSettings();
  return {
    target: s.buildTarget,
    toolchain: s.buildToolchain,
    edk2Workspace: discoverEdk2(s.edk2Workspace),
    driverDir: discoverDriverDir(s.driverDir, workspaceRoot()),
  };
}

export class BuildTaskProvider implements vscode.TaskProvider {
  constructor(private readonly extensionPath: string) {}

  provideTasks(): vscode.Task[] {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return [];
    const d = buildDefaults();
    if (!d.driverDir) return [];
    return providedDefinitions(d, !!d.edk2Workspace).map((def) => this.makeTask(def, folder, d));
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as BuildTaskDefinition;
    const folder =
      task.scope && typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.makeTask(def, folder, buildDefaults(), task.name);
  }

  makeTask(
    def: BuildTaskDefinition,
    folder: vscode.WorkspaceFolder,
    d: BuildDefaults,
    name?: string,
  ): vscode.Task {
    const cli = cliEntry(this.extensionPath);
    let execution: vscode.ProcessExecution | vscode.ShellExecution;
    let label = name ?? 'build';
    try {
      label = name ?? taskName(def, d);
      if (!cli) throw new BuildTaskError(`uefi-hv: the CLI is missing from ${this.extensionPath}`);
      execution = new vscode.ProcessExecution(process.execPath, [cli, ...cliBuildArgs(def, d)], {
        cwd: d.driverDir ?? folder.uri.fsPath,
        // The extension host may be Electron: make it behave as plain Node for the CLI.
        env: { ELECTRON_RUN_AS_NODE: '1' },
      });
    } catch (e) {
      // A wrong definition still yields a task, one that prints the reason and fails.
      const msg = (e as Error).message.replace(/'/g, "'\\''");
      execution = new vscode.ShellExecution(`echo '${msg}' >&2; exit 2`);
    }
    const task = new vscode.Task(def, folder, label, TASK_SOURCE, execution, PROBLEM_MATCHERS);
    task.group = vscode.TaskGroup.Build;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
    return task;
  }
}

// The task a launch configuration's preLaunchTask and the Build command use.
export function defaultBuildDefinition(): BuildTaskDefinition {
  const d = buildDefaults();
  const edk2 = ['GCC', 'GCCNOLTO', 'CLANGDWARF'].includes(d.toolchain) && !!d.edk2Workspace;
  return edk2
    ? { type: 'uefi-hv', kind: 'edk2', target: d.target, toolchain: d.toolchain }
    : { type: 'uefi-hv', kind: 'standalone', target: d.target };
}

export function defaultBuildTaskLabel(): string {
  try {
    return `${TASK_SOURCE}: ${taskName(defaultBuildDefinition(), buildDefaults())}`;
  } catch {
    return `${TASK_SOURCE}: build standalone DEBUG`;
  }
}
