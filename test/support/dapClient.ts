// The debug adapter as a process (out/debug-adapter/src/main.js), driven over DAP by DebugClient,
// with every request, response and awaited event written to the current test's log: the verbose
// per-test log kept as a CI artifact under test-results/<suite>/.
import * as fs from 'fs';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';

export class LoggedClient extends DebugClient {
  log?: fs.WriteStream;
  readonly outputs: string[] = [];
  constructor(root: string) {
    super(
      'node',
      path.join(root, 'out/debug-adapter/src/main.js'),
      'uefi-hv',
      { stdio: ['pipe', 'pipe', 'pipe'] },
      true,
    );
    this.on('output', (e: DebugProtocol.OutputEvent) => {
      this.outputs.push(e.body.output);
      this.write(`event output [${e.body.category ?? ''}] ${e.body.output}`);
    });
  }

  // An event can come after the test's log was closed (the adapter's last words): not an error.
  private write(text: string): void {
    if (this.log?.writableEnded === false) this.log.write(text);
  }

  /** Everything the adapter printed (Debug Console, the firmware console included). */
  get allOutput(): string {
    return this.outputs.join('');
  }

  /** Waits until the adapter's output matches `re`. */
  async waitForOutput(re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
    const t0 = Date.now();
    for (;;) {
      const m = re.exec(this.allOutput);
      if (m) return m;
      if (Date.now() - t0 > ms)
        throw new Error(`no ${what} within ${ms} ms; output tail:\n${this.allOutput.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Starts a new log file, named after the test, in `dir`. */
  startLog(dir: string, title: string): void {
    fs.mkdirSync(dir, { recursive: true });
    this.log?.end();
    this.log = fs.createWriteStream(path.join(dir, `${title.replace(/[^A-Za-z0-9]+/g, '-')}.log`));
  }

  /** The initialize request VS Code sends (1-based lines and columns, paths). */
  initializeAsVsCode(): Promise<DebugProtocol.InitializeResponse> {
    return this.initializeRequest({
      adapterID: 'uefi-hv',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: string, args?: any): Promise<any> {
    this.write(`> ${command} ${JSON.stringify(args ?? {})}\n`);
    return super.send(command, args).then(
      (r) => {
        this.write(`< ${command} ${JSON.stringify(r.body ?? {}).slice(0, 4000)}\n`);
        return r;
      },
      (e: Error) => {
        this.write(`< ${command} ERROR ${e.message}\n`);
        throw e;
      },
    );
  }

  waitForEvent(type: string, timeout?: number): Promise<DebugProtocol.Event> {
    return super.waitForEvent(type, timeout).then((e) => {
      this.write(`event ${type} ${JSON.stringify(e.body ?? {})}\n`);
      return e;
    });
  }
}

/** Where a suite keeps its logs: $HV_RESULTS_DIR or <repo>/test-results, then the suite's name. */
export function resultsDir(root: string, suite: string): string {
  return path.join(process.env.HV_RESULTS_DIR ?? path.join(root, 'test-results'), suite);
}
