// VMCS view: a tree of groups and fields; changed values are highlighted; writable fields can be
// edited inline (VMWRITE through the adapter).
import * as vscode from 'vscode';
import { parseFieldValue, vmcsModel, VmcsFieldItem, VmcsGroupItem } from './models';
import { HV_REQUEST, VmcsResponse, VmcsWriteArguments } from './protocol';

type Node = VmcsGroupItem | VmcsFieldItem;

export class VmcsTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private groups: VmcsGroupItem[] = [];
  private last?: VmcsResponse;

  show(r: VmcsResponse | undefined): void {
    this.groups = r ? vmcsModel(r, this.last?.cpu === r.cpu ? this.last : undefined) : [];
    this.last = r;
    this.changed.fire();
  }

  get response(): VmcsResponse | undefined {
    return this.last;
  }

  getChildren(n?: Node): Node[] {
    if (!n) return this.groups;
    return 'fields' in n ? n.fields : [];
  }

  // For TreeView.reveal: a field's parent is its group.
  getParent(n: Node): Node | undefined {
    return 'fields' in n ? undefined : this.groups.find((g) => g.fields.includes(n));
  }

  field(name: string): VmcsFieldItem | undefined {
    return this.groups.flatMap((g) => g.fields).find((f) => f.name === name);
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if ('fields' in n) {
      const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.Expanded);
      item.description = n.changedCount ? `${n.changedCount} changed` : undefined;
      return item;
    }
    // Highlight through a label range and a coloured icon: TreeItem has no text colour.
    const label: vscode.TreeItemLabel = { label: n.name, highlights: n.changed ? [[0, n.name.length]] : [] };
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = n.decoded ? `${n.value}  ${n.decoded}` : n.value;
    item.tooltip = `${n.name} (encoding ${n.encoding})${n.changed ? '\nchanged since the previous stop' : ''}`;
    item.iconPath = new vscode.ThemeIcon(
      n.changed ? 'diff-modified' : 'symbol-field',
      n.changed ? new vscode.ThemeColor('debugTokenExpression.error') : undefined,
    );
    item.contextValue = n.writable ? 'vmcsField.writable' : 'vmcsField';
    if (n.writable) item.command = { command: 'uefi-hv.vmcs.edit', title: 'Edit', arguments: [n] };
    return item;
  }
}

export async function editVmcsField(
  provider: VmcsTreeProvider,
  field: VmcsFieldItem,
  session: vscode.DebugSession | undefined,
): Promise<void> {
  const r = provider.response;
  const raw = r?.groups.flatMap((g) => g.fields).find((f) => f.name === field.name);
  if (!session || !r || !raw) return;
  const text = await vscode.window.showInputBox({
    title: `VMWRITE ${field.name}`,
    value: field.value,
    validateInput: (t) => {
      try {
        parseFieldValue(t, raw.width);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (text === undefined) return;
  const value = `0x${parseFieldValue(text, raw.width).toString(16)}`;
  const args: VmcsWriteArguments = { cpu: r.cpu, encoding: raw.encoding, value };
  await session.customRequest(HV_REQUEST.vmcsWrite, args);
}
