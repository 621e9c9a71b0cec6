// Wires the Hypervisor views to the active `uefi-hv` debug session: refreshed on every stop, and
// the VM exits view also every second (setting) while the target runs.
import * as vscode from 'vscode';
import { TargetController } from '../session/controller';
import { readSettings } from '../ui/settings';
import { EptRow, eptRows, ExitHistory, ExitSeries, parseAddress, VmcsFieldItem } from './models';
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

// What each view shows now: read by the extension's API (tests, other extensions).
export interface HvViewsState {
  vmcs(): VmcsResponse | undefined;
  cpus(): CpuInfo[];
  exits(): ExitSeries | undefined;
  ept(): { title: string; rows: EptRow[]; address: string; space: string } | { error: string } | undefined;
  revealVmcsField(name: string): Promise<boolean>; // select and show a field in the VMCS view
}

class CpusProvider implements vscode.TreeDataProvider<CpuInfo> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private cpus: CpuInfo[] = [];
  show(cpus: CpuInfo[]): void {
    this.cpus = cpus;
    this.changed.fire();
  }
  get shown(): CpuInfo[] {
    return this.cpus;
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

export function registerViews(context: vscode.ExtensionContext, controller: TargetController): HvViewsState {
  const vmcs = new VmcsTreeProvider();
  const vmcsView = vscode.window.createTreeView('uefi-hv.vmcs', { treeDataProvider: vmcs });
  const cpus = new CpusProvider();
  const exits = new ExitsView();
  const history = new ExitHistory();
  const ept = new EptWalkView((text, space) => void walk(text, space));
  let poll: NodeJS.Timeout | undefined;

  async function walk(text: string, space: 'gpa' | 'gva'): Promise<void> {
    // Bring the view forward first: its webview exists only once it has been shown.
    await vscode.commands.executeCommand('uefi-hv.ept.focus').then(undefined, () => undefined);
    const s = hvSession();
    if (!s) return ept.showError('No hypervisor debug session.');
    let address: bigint;
    try {
      address = parseAddress(text);
    } catch (e) {
      return ept.showError((e as Error).message);
    }
    try {
      const args: EptWalkArguments = {
        address: `0x${address.toString(16)}`,
        space,
      };
      const r = (await s.customRequest(HV_REQUEST.eptWalk, args)) as EptWalkResponse;
      const title = `${space.toUpperCase()} ${r.address}${r.gpa ? ` -> GPA ${r.gpa}` : ''}${r.hpa ? ` -> HPA ${r.hpa}` : ''}${r.fault ? ` (${r.fault})` : ''}`;
      ept.showRows(title, eptRows(r), text.trim(), space);
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
    vmcsView,
    vscode.window.registerTreeDataProvider('uefi-hv.cpus', cpus),
    vscode.window.registerWebviewViewProvider('uefi-hv.ept', ept),
    vscode.window.registerWebviewViewProvider('uefi-hv.exits', exits),
    vscode.commands.registerCommand('uefi-hv.vmcs.edit', async (f: VmcsFieldItem) => {
      await editVmcsField(vmcs, f, hvSession());
      const s = hvSession();
      if (s) vmcs.show((await s.customRequest(HV_REQUEST.vmcs, {})) as VmcsResponse);
    }),
    // The EPT walk from the Command Palette (or a keybinding): the same walk as the view's form.
    vscode.commands.registerCommand('uefi-hv.eptWalk', async (address?: string, space?: 'gpa' | 'gva') => {
      const text =
        address ??
        (await vscode.window.showInputBox({
          title: 'EPT walk',
          prompt: 'Guest-physical address (prefix gva: for a guest-virtual one)',
          placeHolder: '0xfee00000',
        }));
      if (text === undefined) return;
      const gva = /^gva:/i.exec(text.trim());
      await walk(gva ? text.trim().slice(4) : text, space ?? (gva ? 'gva' : 'gpa'));
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
    // Every stop the user sees refreshes the views: DAP's stopped event, sent once the adapter has
    // landed (a VM-exit stop is reported in the exit's handler, after a short run to it).
    vscode.debug.registerDebugAdapterTrackerFactory('uefi-hv', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type !== 'event' || m.event !== 'stopped') return;
          stopPolling();
          void refreshOnStop(session);
        },
      }),
    }),
    // A launch starts the driver: its counters start at zero now, the baseline of the first rate.
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== 'uefi-hv') return;
      history.clear();
      if (s.configuration.request === 'launch') history.add({ counts: [] }, Date.now());
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'uefi-hv') return;
      if (e.event === HV_STOP_EVENT) {
        stopPolling();
      } else if (e.event === HV_RUNNING_EVENT) {
        stopPolling();
        poll = setInterval(() => void refreshExits(e.session), readSettings().refreshWhileRunningMs);
      }
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== 'uefi-hv') return;
      stopPolling();
      history.clear();
      exits.show(history.series());
      ept.clear();
      vmcs.show(undefined);
      cpus.show([]);
    }),
    { dispose: stopPolling },
  );
  return {
    vmcs: () => vmcs.response,
    cpus: () => cpus.shown,
    exits: () => exits.latestSeries,
    ept: () => ept.latest,
    revealVmcsField: async (name: string) => {
      const f = vmcs.field(name);
      if (!f) return false;
      await vmcsView.reveal(f, { select: true, focus: true, expand: true });
      return true;
    },
  };
}
