// The firmware console (COM1) in a terminal: bytes from the target are shown as they come (OVMF
// draws with ANSI sequences, which the terminal understands) and keys typed go back to COM1, so
// the UEFI shell is usable. Every byte is also appended to a log file when one is set.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export interface ConsoleSource {
  console: NodeJS.ReadableStream;
  write(data: string | Buffer): void;
}

export class ConsoleTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private opened = false;
  private pending: string[] = [];
  private source?: ConsoleSource;
  private log?: fs.WriteStream;
  private readonly decoder = new TextDecoder('utf-8');
  readonly terminal: vscode.Terminal;

  constructor(name: string, logFile: string | undefined) {
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      this.log = fs.createWriteStream(logFile, { flags: 'w' });
    }
    this.terminal = vscode.window.createTerminal({ name, pty: this, iconPath: new vscode.ThemeIcon('vm') });
  }

  open(): void {
    this.opened = true;
    for (const s of this.pending) this.writeEmitter.fire(s);
    this.pending = [];
  }

  close(): void {
    this.opened = false;
  }

  handleInput(data: string): void {
    // The terminal sends Enter as CR, which is what the UEFI shell expects on a serial line.
    this.source?.write(Buffer.from(data, 'utf8'));
  }

  // Lines from the workbench itself (not the target), dimmed so they stand apart.
  note(line: string): void {
    this.show(`\x1b[2m[uefi-hv] ${line}\x1b[0m\r\n`);
  }

  attach(source: ConsoleSource): void {
    this.source = source;
    source.console.on('data', (chunk: Buffer) => {
      this.log?.write(chunk);
      this.show(this.decoder.decode(chunk, { stream: true }));
    });
  }

  detach(): void {
    this.source = undefined;
    this.log?.end();
    this.log = undefined;
  }

  private show(text: string): void {
    if (this.opened) this.writeEmitter.fire(text);
    else this.pending.push(text);
  }
}
