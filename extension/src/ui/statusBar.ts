// One status-bar item: the profile and the target's state; a click opens the profile picker.
import * as vscode from 'vscode';
import { statusText, statusTooltip, TargetState } from '../session/targetState';

export class TargetStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'uefi-hv.target',
    vscode.StatusBarAlignment.Left,
    50,
  );

  constructor() {
    this.item.name = 'UEFI Hypervisor target';
    this.item.command = 'uefi-hv.selectProfile';
  }

  update(s: TargetState): void {
    this.item.text = statusText(s);
    this.item.tooltip = statusTooltip(s);
    this.item.backgroundColor =
      s.phase === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
