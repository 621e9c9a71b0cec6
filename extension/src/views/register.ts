// Wires the Hypervisor views to the active `uefi-hv` debug session: refreshed on every stop, and
// the VM exits view also every second (setting) while the target runs.
import * as vscode from 'vscode';
import { TargetController } from '../session/controller';
import { readSettings } from '../ui/settings';
import { eptRows, ExitHistory, parseAddress, VmcsFieldItem } from './models';
import {
  EptWalkArguments,
  EptWalkResponse,
  ExitStatsResponse,
  HV_REQUEST,
  HV_RUNNING_EVENT,
  HV_STOP_EVENT,
  HvInfoResponse,
  VmcsResponse,
} from './protocol';
import { editVmcsField, VmcsTreeProvider } from './vmcsTree';
import { EptWalkView, ExitsView } from './webviews';

type CpuInfo = HvInfoResponse['cpus'][number];

class CpusProvider implements vscode.TreeDataProvider<CpuInfo> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private cpus: CpuInfo[] = [];
  show(cpus: CpuInfo[]): void {
    this.cpus = cpus;
    this.changed.fire();
  }
  getChildren(n?: CpuInfo): CpuInfo[] {
    return n ? [] : this.cpus;
  }
  getTreeItem(c: CpuInfo): vscode.TreeItem {
    const item = new vscode.TreeItem(`CPU ${c.id}`);
    item.description = c.exit ? `${c.state}: ${c.exit}` : c.state;
    item.iconPath = new vscode.ThemeIcon(c.state === 'stopped' ? 'debug-pause' : 'circuit-board');
    return item;
  }
}

function hvSession(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  return s?.type === 'uefi-hv' ? s : undefined;
}

export function registerViews(context: vscode.ExtensionContext, controller: TargetController): void {
  const vmcs = new VmcsTreeProvider();
  const cpus = new CpusProvider();
  const exits = new ExitsView();
  const history = new ExitHistory();
  const ept = new EptWalkView((text, space) => void walk(text, space));
  let poll: NodeJS.Timeout | undefined;

  async function walk(text: string, space: 'gpa' | 'gva'): Promise<void> {
    const s = hvSession();
    if (!s) return ept.showError('No hypervisor debug session.');
    let address: bigint;
    try {
      address = parseAddress(text);
    } catch (e) {
      return ept.showError((e as Error).message);
    }
    try {
      const args: EptWalkArguments = { address: `0x${address.toString(16)}`, space };
      const r = (await s.customRequest(HV_REQUEST.eptWalk, args)) as EptWalkResponse;
      const title = `${space.toUpperCase()} ${r.address}${r.gpa ? ` -> GPA ${r.gpa}` : ''}${r.hpa ? ` -> HPA ${r.hpa}` : ''}${r.fault ? ` (${r.fault})` : ''}`;
      ept.showRows(title, eptRows(r));
    } catch (e) {
      ept.showError(`hv/eptWalk failed: ${(e as Error).message}`);
    }
  }

  async function refreshExits(s: vscode.DebugSession): Promise<void> {
    try {
      history.add((await s.customRequest(HV_REQUEST.exitStats, {})) as ExitStatsResponse, Date.now());
      exits.show(history.series());
    } catch (e) {
      controller.log.debug(`hv/exitStats: ${(e as Error).message}`);
    }
  }

  async function refreshOnStop(s: vscode.DebugSession): Promise<void> {
    const [v, info] = await Promise.allSettled([
      s.customRequest(HV_REQUEST.vmcs, {}),
      s.customRequest(HV_REQUEST.info, {}),
    ]);
    if (v.status === 'fulfilled') vmcs.show(v.value as VmcsResponse);
    else controller.log.warn(`hv/vmcs: ${String(v.reason)}`);
    if (info.status === 'fulfilled') cpus.show((info.value as HvInfoResponse).cpus);
    await refreshExits(s);
  }

  const stopPolling = (): void => {
    if (poll) clearInterval(poll);
    poll = undefined;
  };

  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('uefi-hv.vmcs', vmcs),
    vscode.window.registerTreeDataProvider('uefi-hv.cpus', cpus),
    vscode.window.registerWebviewViewProvider('uefi-hv.ept', ept),
    vscode.window.registerWebviewViewProvider('uefi-hv.exits', exits),
    vscode.commands.registerCommand('uefi-hv.vmcs.edit', async (f: VmcsFieldItem) => {
      await editVmcsField(vmcs, f, hvSession());
      const s = hvSession();
      if (s) vmcs.show((await s.customRequest(HV_REQUEST.vmcs, {})) as VmcsResponse);
    }),
    vscode.commands.registerCommand('uefi-hv.openMemory', async (addr: string) => {
      const s = hvSession();
      if (!s) return;
      // The debugger's own memory view (hex editor) at that address.
      await vscode.commands.executeCommand('workbench.debug.viewlet.action.viewMemory', {
        sessionId: s.id,
        variable: { memoryReference: addr },
      });
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'uefi-hv') return;
      if (e.event === HV_STOP_EVENT) {
        stopPolling();
        void refreshOnStop(e.session);
      } else if (e.event === HV_RUNNING_EVENT) {
        stopPolling();
        poll = setInterval(() => void refreshExits(e.session), readSettings().refreshWhileRunningMs);
      }
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== 'uefi-hv') return;
      stopPolling();
      history.clear();
      vmcs.show(undefined);
      cpus.show([]);
    }),
    { dispose: stopPolling },
  );
}
