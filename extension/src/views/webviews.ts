// The EPT walk and VM exits views: small webviews (a form and a table; a canvas chart), fed with
// the pure models. Scripts are inline with a nonce; nothing is loaded from the network.
import * as vscode from 'vscode';
import { EptRow, ExitSeries } from './models';

function nonce(): string {
  return Array.from({ length: 16 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
}

function page(body: string, script: string): string {
  const n = nonce();
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${n}';">
<style>
body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:4px}
table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;text-align:left;font-family:var(--vscode-editor-font-family)}
th{color:var(--vscode-descriptionForeground);font-weight:normal}tr:nth-child(even){background:var(--vscode-list-hoverBackground)}
input,select,button{background:var(--vscode-input-background);color:var(--vscode-input-foreground);border:1px solid var(--vscode-input-border,transparent)}
a{color:var(--vscode-textLink-foreground);cursor:pointer}.muted{color:var(--vscode-descriptionForeground)}
</style></head><body>${body}<script nonce="${n}">const vscode=acquireVsCodeApi();${script}</script></body></html>`;
}

export class EptWalkView implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  latest?: { title: string; rows: EptRow[]; address: string; space: string } | { error: string };
  constructor(private readonly onWalk: (address: string, space: 'gpa' | 'gva') => void) {}

  resolveWebviewView(v: vscode.WebviewView): void {
    this.view = v;
    v.webview.options = { enableScripts: true };
    v.webview.html = page(
      `<form id="f"><select id="s"><option value="gpa">GPA</option><option value="gva">GVA</option></select>
<input id="a" placeholder="0xfee00000" size="20"><button>Walk</button></form><div id="out" class="muted">Enter an address while a hypervisor debug session is stopped.</div>`,
      `document.getElementById('f').addEventListener('submit',e=>{e.preventDefault();vscode.postMessage({walk:document.getElementById('a').value,space:document.getElementById('s').value});});
window.addEventListener('message',e=>{const m=e.data;const o=document.getElementById('out');
if(m.address){document.getElementById('a').value=m.address;document.getElementById('s').value=m.space;}
if(m.error){o.textContent=m.error;return;}
o.innerHTML='<div>'+m.title+'</div><table><tr><th>level</th><th>index</th><th>entry address</th><th>entry</th><th>perm</th><th>type</th><th></th></tr>'+
m.rows.map(r=>'<tr><td>'+r.level+'</td><td>'+r.index+'</td><td><a data-addr="'+r.entryAddress+'">'+r.entryAddress+'</a></td><td>'+r.entry+'</td><td>'+r.permissions+'</td><td>'+r.memoryType+'</td><td>'+r.note+'</td></tr>').join('')+'</table>';
o.querySelectorAll('a').forEach(a=>a.addEventListener('click',()=>vscode.postMessage({memory:a.dataset.addr})));});`,
    );
    v.webview.onDidReceiveMessage((m: { walk?: string; space?: 'gpa' | 'gva'; memory?: string }) => {
      if (m.walk !== undefined) this.onWalk(m.walk, m.space ?? 'gpa');
      if (m.memory) void vscode.commands.executeCommand('uefi-hv.openMemory', m.memory);
    });
    if (this.latest) void v.webview.postMessage(this.latest); // a walk made before the view was shown
  }

  showRows(title: string, rows: EptRow[], address: string, space: 'gpa' | 'gva'): void {
    this.latest = { title, rows, address, space };
    void this.view?.webview.postMessage(this.latest);
  }
  showError(error: string): void {
    this.latest = { error };
    void this.view?.webview.postMessage(this.latest);
  }
  // The session ended: the walk shown belonged to it.
  clear(): void {
    this.latest = undefined;
    void this.view?.webview.postMessage({
      error: 'Enter an address while a hypervisor debug session is stopped.',
    });
  }
}

export class ExitsView implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  private latest?: ExitSeries;

  resolveWebviewView(v: vscode.WebviewView): void {
    this.view = v;
    v.webview.options = { enableScripts: true };
    v.webview.html = page(
      `<canvas id="c" width="300" height="90" style="width:100%;height:90px"></canvas><div id="t" class="muted">No VM exits yet.</div>`,
      `window.addEventListener('message',e=>{const s=e.data;const c=document.getElementById('c');const g=c.getContext('2d');
c.width=c.clientWidth;g.clearRect(0,0,c.width,c.height);const p=s.points.length===1?[s.points[0],s.points[0]]:s.points;const max=Math.max(1,...p.map(x=>x.ratePerSecond));
g.strokeStyle=getComputedStyle(document.body).getPropertyValue('--vscode-charts-blue')||'#3794ff';g.lineWidth=2;g.beginPath();
p.forEach((x,i)=>{const X=p.length<2?0:i*(c.width-2)/(p.length-1)+1;const Y=c.height-2-(x.ratePerSecond/max)*(c.height-14);i?g.lineTo(X,Y):g.moveTo(X,Y);});g.stroke();
g.fillStyle=getComputedStyle(document.body).getPropertyValue('--vscode-foreground');g.fillText('max '+Math.round(max)+' exits/s',4,10);
document.getElementById('t').innerHTML=s.reasons.length?'<table><tr><th>reason</th><th>count</th><th>per s</th></tr>'+s.reasons.map(r=>'<tr><td>'+r.reason+'</td><td>'+r.total+'</td><td>'+r.ratePerSecond.toFixed(0)+'</td></tr>').join('')+'</table>':'No VM exits yet.';});`,
    );
    if (this.latest) this.show(this.latest);
  }

  get latestSeries(): ExitSeries | undefined {
    return this.latest;
  }

  show(s: ExitSeries): void {
    this.latest = s;
    void this.view?.webview.postMessage(s);
  }
}
