// What the uefi-hv debug adapter sent, seen by a debug-adapter tracker in the real VS Code: its
// events in order, the failures that explain a broken run (failed responses, adapter errors and
// exits, the adapter's own "uefi-hv:" lines), and the emulator's pid and run folder from its output.
import * as vscode from 'vscode';

export type AdapterEvent = { event: string; body: Record<string, unknown> };

interface Message {
  type: string;
  event?: string;
  command?: string;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

export class AdapterWatch implements vscode.Disposable {
  readonly events: AdapterEvent[] = [];
  readonly failures: string[] = [];
  emulatorPid = 0;
  runDir = '';
  private readonly sub: vscode.Disposable;

  constructor() {
    this.sub = vscode.debug.registerDebugAdapterTrackerFactory('uefi-hv', {
      createDebugAdapterTracker: () => ({
        onError: (e: Error) => this.failures.push(`adapter error: ${e.message}`),
        onExit: (code?: number, signal?: string) =>
          this.failures.push(`adapter exit ${code} ${signal ?? ''}`),
        onDidSendMessage: (m: Message) => this.seen(m),
      }),
    });
  }

  private seen(m: Message): void {
    if (m.type === 'response' && m.success === false)
      this.failures.push(`${m.command}: ${m.message ?? JSON.stringify(m.body)}`);
    if (m.type !== 'event' || !m.event) return;
    this.events.push({ event: m.event, body: m.body ?? {} });
    const out = m.event === 'output' ? String(m.body?.output ?? '') : '';
    if (out.startsWith('uefi-hv:')) this.failures.push(out.trim());
    const pid = /emulator pid (\d+)/.exec(out);
    if (pid) this.emulatorPid = Number(pid[1]);
    const dir = /run folder (\S+)/.exec(out);
    if (dir) this.runDir = dir[1];
  }

  dispose(): void {
    this.sub.dispose();
  }
}
