// The `uefi-hv.*` settings, read fresh at each use (a change applies to the next build or boot).
// Empty path settings mean "discover"; ${workspaceFolder} and ~ are expanded.
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export interface Settings {
  profile: string;
  profilesDirs: string[];
  ovmf: string;
  qemu: string;
  bochs: string;
  gdb: string;
  edk2Workspace: string;
  edk2PackagesPath: string[];
  driverDir: string;
  buildTarget: string;
  buildToolchain: string;
  startSeconds: number;
  bootSeconds: number;
  shutdownSeconds: number;
  requestSeconds: number;
  consoleLogFile: string;
  refreshWhileRunningMs: number;
}

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function expandPath(p: string, root = workspaceRoot()): string {
  if (!p) return p;
  let out = p.replace(/\$\{workspaceFolder\}/g, root ?? '.');
  if (out === '~' || out.startsWith('~/')) out = path.join(os.homedir(), out.slice(1));
  return root && !path.isAbsolute(out) ? path.resolve(root, out) : out;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('uefi-hv');
  const str = (k: string, d = ''): string => c.get<string>(k, d) ?? d;
  const num = (k: string, d: number): number => c.get<number>(k, d) ?? d;
  return {
    profile: str('profile', 'bochs') || 'bochs',
    profilesDirs: (c.get<string[]>('profilesDirs', []) ?? []).map((d) => expandPath(d)),
    ovmf: expandPath(str('paths.ovmf')),
    qemu: expandPath(str('paths.qemu')),
    bochs: expandPath(str('paths.bochs')),
    gdb: expandPath(str('paths.gdb')),
    edk2Workspace: expandPath(str('paths.edk2Workspace')),
    edk2PackagesPath: (c.get<string[]>('paths.edk2PackagesPath', []) ?? []).map((d) => expandPath(d)),
    driverDir: expandPath(str('paths.driver')),
    buildTarget: str('build.target', 'DEBUG') || 'DEBUG',
    buildToolchain: str('build.toolchain', 'clang') || 'clang',
    startSeconds: num('timeouts.startSeconds', 0),
    bootSeconds: num('timeouts.bootSeconds', 0),
    shutdownSeconds: num('timeouts.shutdownSeconds', 0),
    requestSeconds: num('timeouts.requestSeconds', 0),
    consoleLogFile: expandPath(str('console.logFile', '${workspaceFolder}/.hv/console.log')),
    refreshWhileRunningMs: num('views.refreshWhileRunningMs', 1000),
  };
}
