// The DAP session: cdt-gdb-adapter's GDBTargetDebugSession does source debugging through gdb/MI;
// this layer only translates. launch/attach: our attributes -> the runtime (target, link, driver
// base) -> a gdb "target remote" on the runtime's local endpoint with symbols at the driver's
// relocated base. The runtime's end becomes one terminated event with its message.
import { OutputEvent, TerminatedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { GDBTargetDebugSession, sendExecContinue, TargetAttachRequestArguments } from 'cdt-gdb-adapter';
import { AttributeError, HvConfig, parseAttributes } from '../config/attributes';
import { HvRuntime } from '../runtime/hvRuntime';
import { findExecutable } from '../../../extension/src/target/tools';
import { EXIT_FILTERS } from './exitFilters';

export const GDB_INSTALL_HINT = 'install it: sudo apt-get install gdb';

export class HvDebugSession extends GDBTargetDebugSession {
  private runtime?: HvRuntime;
  private hvConfig?: HvConfig;
  private terminatedSent = false;

  // The base class fills the capabilities; ours are added on the way out.
  public sendResponse(response: DebugProtocol.Response): void {
    if (response.command === 'initialize' && response.success) {
      const body = (response.body ?? {}) as DebugProtocol.Capabilities;
      body.exceptionBreakpointFilters = EXIT_FILTERS.map((f) => ({
        filter: f.id,
        label: f.label,
        description: f.description,
        supportsCondition: true,
        conditionDescription: f.conditionHelp,
        default: false,
      }));
      response.body = body;
    }
    super.sendResponse(response);
  }

  protected async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: DebugProtocol.LaunchRequestArguments,
  ): Promise<void> {
    await this.startSession(response, 'launch', args as Record<string, unknown>);
  }

  protected async attachRequest(
    response: DebugProtocol.AttachResponse,
    args: DebugProtocol.AttachRequestArguments,
  ): Promise<void> {
    await this.startSession(response, 'attach', args as Record<string, unknown>);
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, 1, message);
  }

  private async startSession(
    response: DebugProtocol.Response,
    request: 'launch' | 'attach',
    raw: Record<string, unknown>,
  ): Promise<void> {
    let config: HvConfig;
    try {
      config = parseAttributes(request, raw ?? {});
    } catch (e) {
      this.fail(response, e instanceof AttributeError ? `uefi-hv ${request}: ${e.message}` : String(e));
      return;
    }
    this.hvConfig = config;
    const gdb = findExecutable(config.gdbPath);
    if (!gdb) {
      this.fail(response, `'gdbPath': gdb not found at '${config.gdbPath}'; ${GDB_INSTALL_HINT}`);
      return;
    }
    const runtime = new HvRuntime(config);
    this.runtime = runtime;
    runtime.on('output', (line: string) => this.sendEvent(new OutputEvent(`uefi-hv: ${line}\n`, 'console')));
    runtime.on('terminated', (message: string) => this.targetGone(message));
    process.once('exit', () => runtime.target?.killGroup('SIGKILL')); // never leave an emulator behind
    let port: number;
    try {
      port = await runtime.start();
    } catch (e) {
      await runtime.dispose();
      this.fail(response, `uefi-hv ${request}: ${(e as Error).message}`);
      return;
    }
    const d = runtime.driver!;
    const gdbArgs: TargetAttachRequestArguments = {
      gdb,
      cwd: config.cwd,
      verbose: config.verbose,
      logFile: config.logFile,
      target: { type: 'remote', host: '127.0.0.1', port: String(port) },
      preConnectCommands: [
        'set architecture i386:x86-64',
        'set remotetimeout ' + Math.ceil(config.timeouts.requestTimeout / 1000),
        `add-symbol-file "${d.symbols}" -o 0x${d.base.toString(16)}`,
      ],
    };
    await super.attachRequest(response, gdbArgs);
  }

  protected async configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
    args: DebugProtocol.ConfigurationDoneArguments,
  ): Promise<void> {
    // The entry breakpoint goes in while the target is still stopped after LoadImage; the base
    // class may resume the target itself when configuration ends.
    const driver = this.runtime?.driver;
    if (driver && this.hvConfig?.stopOnEntry && !this.terminatedSent) {
      try {
        await this.gdb.sendCommand(`-break-insert -t *0x${driver.entry.toString(16)}`);
      } catch (e) {
        this.sendEvent(new OutputEvent(`uefi-hv: no entry breakpoint: ${(e as Error).message}\n`, 'stderr'));
      }
    }
    await super.configurationDoneRequest(response, args);
    if (!driver || this.terminatedSent || this.isRunning) return;
    try {
      await sendExecContinue(this.gdb);
    } catch (e) {
      this.sendEvent(
        new OutputEvent(`uefi-hv: cannot resume the target: ${(e as Error).message}\n`, 'stderr'),
      );
    }
  }

  protected async setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): Promise<void> {
    const wanted: DebugProtocol.ExceptionFilterOptions[] = [
      ...(args.filters ?? []).map((f) => ({ filterId: f })),
      ...(args.filterOptions ?? []),
    ];
    response.body = {
      breakpoints: wanted.map((w) => {
        const f = EXIT_FILTERS.find((x) => x.id === w.filterId);
        if (!f) return { verified: false, message: `unknown VM-exit filter '${w.filterId}'` };
        const parsed = f.parseCondition(w.condition);
        if ('error' in parsed) return { verified: false, message: `${f.label}: ${parsed.error}` };
        return {
          verified: false,
          message: `${f.label}: this target has no uefi-hv stub (plain gdbstub); VM-exit breakpoints need the hypervisor's stub`,
        };
      }),
    };
    this.sendResponse(response);
  }

  private targetGone(message: string): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.sendEvent(new OutputEvent(`uefi-hv: ${message}\n`, 'important'));
    this.sendEvent(new TerminatedEvent());
    void this.gdb?.sendGDBExit().catch(() => undefined);
  }

  protected async disconnectRequest(
    response: DebugProtocol.DisconnectResponse,
    args: DebugProtocol.DisconnectArguments,
  ): Promise<void> {
    this.terminatedSent = true; // the user ended it: no second message
    try {
      await super.disconnectRequest(response, args);
    } finally {
      await this.runtime?.dispose();
    }
  }
}
