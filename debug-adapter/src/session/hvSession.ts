// The DAP session: cdt-gdb-adapter's GDBTargetDebugSession does source debugging through gdb/MI;
// this layer only translates. launch/attach: our attributes -> the runtime (target, link, driver
// base) -> a gdb "target remote" on the runtime's local endpoint with symbols at the driver's
// relocated base. The runtime's end becomes one terminated event with its message.
import { Event, OutputEvent, Scope, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import {
  GDBTargetDebugSession,
  sendExecContinue,
  sendExecInterrupt,
  TargetAttachRequestArguments,
} from 'cdt-gdb-adapter';
import { AttributeError, HvConfig, parseAttributes } from '../config/attributes';
import { HvRuntime } from '../runtime/hvRuntime';
import { findExecutable } from '../../../extension/src/target/tools';
import { decodeStopReply, GUEST_REGISTERS, GuestRegister } from '../rsp/hvPackets';
import { VmcsTables } from '../vmcs/table';
import { EXIT_FILTERS, Term, toStubBreakpoints } from './exitFilters';
import { exitSummary } from './exitSummary';
import { buildVmcsScope, parseFieldValue, VmcsNode } from './vmcsScope';
import {
  EptWalkArguments,
  HV_REQUEST,
  HV_RUNNING_EVENT,
  HV_STOP_EVENT,
  HvInfoResponse,
  HvRunningEventBody,
  ResetResponse,
  VmcsWriteArguments,
  VmcsWriteResponse,
} from './customProtocol';
import {
  eptWalkResponse,
  exitStatsResponse,
  gvaWalkResponse,
  stopEventBody,
  vmcsResponse,
} from './customResponses';

// Our variable references live far above the base class's handles.
const HV_REF_BASE = 1_000_000;
type HvRef = { kind: 'guest' } | { kind: 'vmcs' } | { kind: 'node'; node: VmcsNode };

// Debug Console short forms: `vmcs NAME`, `ept GPA`.
const SHORT_VMCS = /^vmcs\s+([A-Z0-9_]+)$/i;
const SHORT_EPT = /^ept\s+(0x[0-9a-fA-F]+|[0-9]+)$/;
// readMemory/writeMemory references into guest-physical memory: "gpa:0x1000".
const GPA_REF = /^gpa:(0x[0-9a-fA-F]+|[0-9]+)$/;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

const CONSOLE_FLUSH_MS = 50;

export const GDB_INSTALL_HINT = 'install it: sudo apt-get install gdb';

export class HvDebugSession extends GDBTargetDebugSession {
  private runtime?: HvRuntime;
  private hvConfig?: HvConfig;
  private terminatedSent = false;
  private disconnected = false; // the disconnect response went out: no more events
  private holdDisconnect = false;
  private heldDisconnect?: DebugProtocol.Response;
  private tables?: VmcsTables;
  private hvRefs = new Map<number, HvRef>();
  private nextHvRef = HV_REF_BASE;
  // This stop's VMCS and guest registers: one round trip each, shared by every view; started as
  // soon as the stop reply crosses the link when the user looked at them at the last stop (the
  // link idles while gdb and the client go back and forth), else on first use.
  private vmcsFetch?: Promise<Map<number, bigint>>;
  private vmcsLast?: Map<number, bigint>;
  private vmcsBefore?: Map<number, bigint>;
  private gregsFetch?: Promise<Map<string, bigint>>;
  private wantVmcs = false;
  private wantGuest = false;
  private stopSummary?: Promise<string | undefined>;
  private entryStopPending = false;
  private exitFiltersSeeded = false;
  private lastStop?: { cpu: number; exit: string };
  // A VM-exit stop is taken in the stub (exit_stop, before the handler runs); the user wants the
  // handler. The adapter runs that CPU on to the handler's first line (a temporary hardware
  // breakpoint) and reports the stop there, with the VM exit's text.
  private landing?: { text: string; allThreadsStopped?: boolean };
  private readonly handlerByReason = new Map<number, string | undefined>();
  private stopReason?: number; // basic exit reason of the current VM-exit stop

  private hvRef(r: HvRef): number {
    const id = this.nextHvRef++;
    this.hvRefs.set(id, r);
    return id;
  }
  private vmcsTables(): VmcsTables {
    this.tables ??= VmcsTables.load();
    return this.tables;
  }

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
      body.supportTerminateDebuggee = true; // launch + terminateDebuggee false: detach, target runs on
      response.body = body;
    }
    if (response.command === 'scopes' && response.success && this.runtime?.hv.info) {
      const body = response.body as DebugProtocol.ScopesResponse['body'];
      body.scopes.push(new Scope('Guest', this.hvRef({ kind: 'guest' }), false));
      body.scopes.push(new Scope('VMCS', this.hvRef({ kind: 'vmcs' }), true));
    }
    if (response.command === 'disconnect' && this.holdDisconnect) {
      this.heldDisconnect = response;
      return;
    }
    super.sendResponse(response);
    if (response.command === 'disconnect') this.disconnected = true;
  }

  // The client lets go of the adapter at its disconnect response: what follows (gdb's exit, the
  // detach, verbose logs) would reach VS Code as "Invalid debug adapter" errors. It stays here.
  public sendEvent(event: DebugProtocol.Event): void {
    if (!this.disconnected) super.sendEvent(event);
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
    const unknown = config.exitBreakpoints.filter((id) => !EXIT_FILTERS.some((f) => f.id === id));
    if (unknown.length) {
      this.fail(
        response,
        `uefi-hv ${request}: 'exitBreakpoints': unknown VM-exit filter '${unknown[0]}' (have: ${EXIT_FILTERS.map((f) => f.id).join(', ')})`,
      );
      return;
    }
    const gdb = findExecutable(config.gdbPath);
    if (!gdb) {
      this.fail(response, `'gdbPath': gdb not found at '${config.gdbPath}'; ${GDB_INSTALL_HINT}`);
      return;
    }
    const runtime = new HvRuntime(config);
    this.runtime = runtime;
    runtime.on('output', (line: string) => this.sendEvent(new OutputEvent(`uefi-hv: ${line}\n`, 'console')));
    // The firmware console (COM1) of a launched emulator, for the Debug Console. Bochs sends a
    // byte per write: whole lines go out, or what came within CONSOLE_FLUSH_MS. Nothing of it
    // follows the session's end (terminated, or the client's disconnect).
    let pendingText = '';
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      const clean = pendingText.replace(ANSI, '');
      pendingText = '';
      if (clean && !this.terminatedSent) this.sendEvent(new OutputEvent(clean, 'stdout'));
    };
    runtime.on('terminated', (message: string, restart: boolean) => {
      flush();
      this.targetGone(message, restart);
    });
    runtime.on('console', (text: string) => {
      if (this.terminatedSent) return;
      pendingText += text;
      const nl = pendingText.lastIndexOf('\n');
      if (nl >= 0) {
        const rest = pendingText.slice(nl + 1);
        pendingText = pendingText.slice(0, nl + 1);
        flush();
        pendingText = rest;
      }
      if (pendingText && !flushTimer) flushTimer = setTimeout(flush, CONSOLE_FLUSH_MS);
    });
    process.once('exit', () => runtime.target?.killGroup('SIGKILL')); // never leave an emulator behind
    let port: number;
    try {
      port = await runtime.start();
    } catch (e) {
      await runtime.dispose();
      this.fail(response, `uefi-hv ${request}: ${(e as Error).message}`);
      return;
    }
    const d = runtime.driver;
    const gdbArgs: TargetAttachRequestArguments = {
      gdb,
      cwd: config.cwd,
      verbose: config.verbose,
      logFile: config.logFile,
      target: { type: 'remote', host: '127.0.0.1', port: String(port) },
      preConnectCommands: [
        'set architecture i386:x86-64',
        'set remotetimeout ' + Math.ceil(config.timeouts.requestTimeout / 1000),
        ...(d ? [`add-symbol-file "${d.symbols}" -o 0x${d.base.toString(16)}`] : []),
        // The stub's memory does not change while the target is stopped (every CPU parked): let
        // gdb cache it within a stop (flushed when the target resumes). gdb otherwise reads the
        // byte at the PC several times per stop, a link round trip each (~45 ms under Bochs).
        ...(runtime.hv.info ? ['mem 0 0 cache'] : []),
      ],
    };
    runtime.proxy!.on('stop', (reply: string) => this.onTargetStop(reply));
    await super.attachRequest(response, gdbArgs);
  }

  // A stop reply crossed the link: start building the VM-exit line now, so the stopped event
  // that gdb's MI report triggers carries it.
  private onTargetStop(reply: string): void {
    this.hvRefs.clear();
    // The stop at the handler after a VM-exit stop: same exit, same VMCS and guest registers, and
    // its summary is already built.
    if (this.landing) return;
    if (this.vmcsLast) this.vmcsBefore = this.vmcsLast;
    this.vmcsLast = undefined;
    this.vmcsFetch = undefined;
    this.gregsFetch = undefined;
    this.stopSummary = undefined;
    const rt = this.runtime;
    if (!rt?.hv.info) return;
    let stop;
    try {
      stop = decodeStopReply(reply);
    } catch {
      return;
    }
    const exit = stop.vmexit;
    this.stopReason = exit ? exit.reason & 0xffff : undefined;
    if (this.wantVmcs) void this.vmcsValues().catch(() => undefined);
    if (this.wantGuest && !exit) void this.guestRegs().catch(() => undefined);
    this.wantVmcs = this.wantGuest = false;
    if (!exit) return;
    this.stopSummary = this.guestRegs()
      .catch(() => undefined)
      .then((gregs) => {
        const text = exitSummary(this.vmcsTables(), exit, stop.cpu, gregs);
        const body = stopEventBody(this.vmcsTables(), exit, stop.cpu, text, gregs);
        this.lastStop = { cpu: body.cpu, exit: body.reason };
        this.sendEvent(new Event(HV_STOP_EVENT, body));
        return text;
      });
  }

  // Besides DAP's 'continued': the views poll exit counts while the target runs.
  sendContinuedEvent(threadId: number, allThreadsContinued?: boolean): void {
    if (this.landing) return; // our own run to the handler: the user sees one stop
    super.sendContinuedEvent(threadId, allThreadsContinued);
    const body: HvRunningEventBody = { threadId };
    if (this.runtime?.hv.info) this.sendEvent(new Event(HV_RUNNING_EVENT, body));
  }

  protected sendStoppedEvent(reason: string, threadId: number, allThreadsStopped?: boolean): void {
    if (this.entryStopPending) {
      this.entryStopPending = false;
      reason = 'entry';
    }
    const landed = this.landing;
    if (landed) {
      this.landing = undefined;
      this.stopSummary = undefined;
      this.sendExitStop(landed.text, threadId, landed.allThreadsStopped);
      return;
    }
    const pending = this.stopSummary;
    if (!pending) {
      super.sendStoppedEvent(reason, threadId, allThreadsStopped);
      return;
    }
    const basic = this.stopReason;
    void pending.then(async (text) => {
      if (!text) return super.sendStoppedEvent(reason, threadId, allThreadsStopped);
      if (basic !== undefined && (await this.runToHandler(basic, text, allThreadsStopped))) return;
      this.sendExitStop(text, threadId, allThreadsStopped);
    });
  }

  private sendExitStop(text: string, threadId: number, allThreadsStopped?: boolean): void {
    // As the base class does on every stop: frames and variables of the last stop are gone.
    this.frameHandles.reset();
    this.variableHandles.reset();
    const ev = new StoppedEvent('exception', threadId, text) as DebugProtocol.StoppedEvent;
    ev.body.description = text;
    ev.body.allThreadsStopped = allThreadsStopped;
    this.sendEvent(ev);
  }

  // The handler the dispatcher calls for a basic exit reason, by name (the driver's table
  // `handlers` in exits/dispatch.c), or undefined where there is none.
  private async handlerFor(basic: number): Promise<string | undefined> {
    if (this.handlerByReason.has(basic)) return this.handlerByReason.get(basic);
    let name: string | undefined;
    try {
      const r = (await this.gdb.sendCommand(`-data-evaluate-expression "handlers[${basic}]"`)) as {
        value?: string;
      };
      name = /<([A-Za-z_][A-Za-z0-9_]*)>/.exec(r.value ?? '')?.[1];
    } catch {
      name = undefined;
    }
    this.handlerByReason.set(basic, name);
    return name;
  }

  // Run on to the exit handler: a temporary hardware breakpoint on it, continue; the next stop
  // (sendStoppedEvent with `landing` set) is reported with the exit's text. False if it cannot.
  private async runToHandler(basic: number, text: string, allThreadsStopped?: boolean): Promise<boolean> {
    const handler = await this.handlerFor(basic);
    if (!handler) return false;
    try {
      await this.gdb.sendCommand(`-break-insert -t -h ${handler}`);
    } catch {
      try {
        await this.gdb.sendCommand(`-break-insert -t ${handler}`);
      } catch {
        return false;
      }
    }
    this.landing = { text, allThreadsStopped };
    try {
      await sendExecContinue(this.gdb);
      return true;
    } catch {
      this.landing = undefined;
      return false;
    }
  }

  private vmcsValues(): Promise<Map<number, bigint>> {
    let f = this.vmcsFetch;
    if (!f) {
      const fetch = this.runtime!.hv.vmcs(); // one round trip for the whole VMCS
      this.vmcsFetch = f = fetch;
      fetch.then(
        (m) => {
          if (this.vmcsFetch === fetch) this.vmcsLast = m;
        },
        () => {
          if (this.vmcsFetch === fetch) this.vmcsFetch = undefined; // the next use asks again
        },
      );
    }
    return f;
  }

  private guestRegs(): Promise<Map<string, bigint>> {
    let f = this.gregsFetch;
    if (!f) {
      const fetch = this.runtime!.hv.guestRegisters();
      this.gregsFetch = f = fetch;
      fetch.catch(() => {
        if (this.gregsFetch === fetch) this.gregsFetch = undefined;
      });
    }
    return f;
  }

  private toVariables(nodes: VmcsNode[]): DebugProtocol.Variable[] {
    return nodes.map((n) => ({
      name: n.name,
      value: n.value,
      type: n.description,
      variablesReference: n.children ? this.hvRef({ kind: 'node', node: n }) : 0,
      // DAP has no "changed" attribute: VS Code highlights values that differ from the last stop
      // by itself; the group rows say how many changed, and hv/vmcs carries `changed` per field.
      presentationHint: n.readOnly ? { attributes: ['readOnly'] } : undefined,
      evaluateName: n.encoding !== undefined ? `vmcs ${n.name}` : undefined,
    }));
  }

  protected async variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): Promise<void> {
    const ref = this.hvRefs.get(args.variablesReference);
    if (!ref) return super.variablesRequest(response, args);
    try {
      let variables: DebugProtocol.Variable[];
      if (ref.kind === 'guest') {
        this.wantGuest = true;
        const regs = await this.guestRegs();
        variables = [...regs].map(([name, v]) => ({
          name,
          value: `0x${v.toString(16).padStart(16, '0')}`,
          variablesReference: 0,
        }));
      } else if (ref.kind === 'vmcs') {
        this.wantVmcs = true;
        const nodes = buildVmcsScope(this.vmcsTables(), await this.vmcsValues(), this.vmcsBefore);
        variables = this.toVariables(nodes);
      } else {
        variables = this.toVariables(ref.node.children ?? []);
      }
      response.body = { variables };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1, (e as Error).message);
    }
  }

  protected async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const ref = this.hvRefs.get(args.variablesReference);
    if (!ref) return super.setVariableRequest(response, args);
    try {
      const hv = this.runtime!.hv;
      if (ref.kind === 'guest') {
        if (!(GUEST_REGISTERS as readonly string[]).includes(args.name))
          throw new Error(`no guest register ${args.name}`);
        const v = BigInt(args.value.trim());
        await hv.guestRegisterWrite(args.name as GuestRegister, v);
        this.gregsFetch = undefined;
        response.body = { value: `0x${v.toString(16).padStart(16, '0')}` };
      } else {
        const f = this.vmcsTables().byName.get(args.name);
        if (!f) throw new Error(`${args.name} is not a VMCS field`);
        if (f.readOnly) throw new Error(`${f.name} is read-only (VM-exit information)`);
        const v = parseFieldValue(f, args.value);
        if (typeof v !== 'bigint') throw new Error(v.error);
        await hv.vmcsWrite(f.encoding, v);
        this.vmcsFetch = undefined; // the next read comes from the target: proof the write took
        response.body = { value: `0x${v.toString(16)}` };
      }
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1, (e as Error).message);
    }
  }

  protected async readMemoryRequest(
    response: DebugProtocol.ReadMemoryResponse,
    args: DebugProtocol.ReadMemoryArguments,
  ): Promise<void> {
    const m = GPA_REF.exec(args.memoryReference);
    if (!m) return super.readMemoryRequest(response, args);
    try {
      const gpa = BigInt(m[1]) + BigInt(args.offset ?? 0);
      const data = await this.runtime!.hv.guestMemory(gpa, args.count);
      response.body = { address: `0x${gpa.toString(16)}`, data: data.toString('base64') };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1, (e as Error).message);
    }
  }

  protected async writeMemoryRequest(
    response: DebugProtocol.WriteMemoryResponse,
    args: DebugProtocol.WriteMemoryArguments,
  ): Promise<void> {
    const m = GPA_REF.exec(args.memoryReference);
    if (!m) return super.writeMemoryRequest(response, args);
    try {
      const data = Buffer.from(args.data, 'base64');
      await this.runtime!.hv.guestMemoryWrite(BigInt(m[1]) + BigInt(args.offset ?? 0), data);
      response.body = { bytesWritten: data.length };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1, (e as Error).message);
    }
  }

  protected customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: Record<string, unknown>,
  ): void {
    if (!command.startsWith('hv/')) return super.customRequest(command, response, args);
    void this.hvCustom(command, args ?? {}).then(
      (body) => {
        response.body = body;
        this.sendResponse(response);
      },
      (e: Error) => this.sendErrorResponse(response, 1, `${command}: ${e.message}`),
    );
  }

  private async hvCustom(command: string, args: Record<string, unknown>): Promise<unknown> {
    const rt = this.runtime;
    if (!rt) throw new Error('no session');
    const big = (key: string): bigint => {
      const v = args[key];
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new Error(`'${key}' is required (a number or 0x string)`);
      return BigInt(v);
    };
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    switch (command) {
      case HV_REQUEST.info: {
        const stub = rt.hv.info;
        const info: HvInfoResponse = {
          driver: rt.driver && {
            base: hex(rt.driver.base),
            entry: hex(rt.driver.entry),
            from: rt.driver.how,
          },
          stub: stub && {
            proto: stub.proto,
            version: stub.version,
            cpus: stub.cpus,
            caps: stub.caps,
            imageBase: hex(stub.imageBase),
            imageSize: hex(stub.imageSize),
          },
          link: rt.proxy && { ...rt.proxy.counters },
          cpus: Array.from({ length: stub?.cpus ?? 0 }, (_, id) => ({
            id,
            state: this.isRunning ? 'running' : 'stopped',
            exit: !this.isRunning && this.lastStop?.cpu === id ? this.lastStop.exit : undefined,
          })),
        };
        return info;
      }
      case HV_REQUEST.vmcs: {
        this.wantVmcs = true;
        const nodes = buildVmcsScope(this.vmcsTables(), await this.vmcsValues(), this.vmcsBefore);
        return vmcsResponse(this.vmcsTables(), nodes, this.lastStop?.cpu ?? 0);
      }
      case HV_REQUEST.vmcsWrite: {
        const a = args as unknown as VmcsWriteArguments;
        const f = [...this.vmcsTables().byName.values()].find((x) => x.encoding === a.encoding);
        if (!f) throw new Error(`no VMCS field with encoding ${String(a.encoding)}`);
        if (f.readOnly) throw new Error(`${f.name} is read-only (VM-exit information)`);
        const v = parseFieldValue(f, String(a.value));
        if (typeof v !== 'bigint') throw new Error(v.error);
        await rt.hv.vmcsWrite(f.encoding, v);
        this.vmcsFetch = undefined; // the next read comes from the target: proof the write took
        const r: VmcsWriteResponse = { value: hex(v) };
        return r;
      }
      case HV_REQUEST.eptWalk: {
        const a = args as unknown as EptWalkArguments;
        if (a.space !== 'gpa' && a.space !== 'gva') throw new Error(`'space' must be "gpa" or "gva"`);
        const address = big('address');
        return a.space === 'gva'
          ? gvaWalkResponse(
              address,
              await rt.hv.gvaWalk(address, a.cr3 === undefined ? undefined : big('cr3')),
            )
          : eptWalkResponse(address, await rt.hv.eptWalk(address));
      }
      case HV_REQUEST.exitStats:
        return exitStatsResponse(this.vmcsTables(), await rt.hv.exitCounters());
      case HV_REQUEST.reset: {
        // QHv.reset (a target we did not launch) is answered only while the target is stopped
        // (the proxy holds queries while it runs): stop it first, silently.
        if (this.isRunning && rt.hv.info && !rt.target) await this.pauseIfNeeded(true);
        const r: ResetResponse = { how: await rt.reset() };
        return r;
      }
      default:
        throw new Error('unknown request');
    }
  }

  protected async evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void> {
    const expr = args.expression.trim();
    const vm = SHORT_VMCS.exec(expr);
    const ept = SHORT_EPT.exec(expr);
    if (!vm && !ept) return super.evaluateRequest(response, args);
    try {
      let result: string;
      if (vm) {
        const f = this.vmcsTables().byName.get(vm[1].toUpperCase());
        if (!f) throw new Error(`no VMCS field ${vm[1]}`);
        const v = (await this.vmcsValues()).get(f.encoding);
        result = v === undefined ? 'not supported by this CPU' : `0x${v.toString(16)}`;
      } else {
        const walk = await this.runtime!.hv.eptWalk(BigInt(ept![1]));
        result = [
          `EPTP 0x${walk.eptp.toString(16)}`,
          ...walk.levels.map(
            (l) => `L${l.level} table 0x${l.table.toString(16)} entry 0x${l.entry.toString(16)}`,
          ),
          walk.hpa !== undefined
            ? `-> HPA 0x${walk.hpa.toString(16)}`
            : `not mapped (level ${walk.missAt ?? walk.badAt})`,
        ].join('\n');
      }
      response.body = { result, variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1, (e as Error).message);
    }
  }

  protected async configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
    args: DebugProtocol.ConfigurationDoneArguments,
  ): Promise<void> {
    // launch: the entry breakpoint goes in while the target is still stopped after LoadImage; the
    // base class may resume the target itself when configuration ends. attach + stopOnEntry: stay
    // stopped where the attach found the target.
    const driver = this.runtime?.driver;
    const stopOnEntry = this.hvConfig?.stopOnEntry ?? false;
    // With the uefi-hv stub (Bochs, hardware) the driver's entry has run before the stub answers:
    // stopOnEntry stops where the stub stopped the target, as an attach does.
    if ((this.hvConfig?.request === 'attach' || this.runtime?.entryPassed) && stopOnEntry) {
      await super.configurationDoneRequest(response, args);
      // The base class resumes a target it found stopped at attach; stop it again, as 'entry'.
      // Ask gdb rather than trust isRunning: its `*running` notice can still be on the way when
      // the base class returns from its -exec-continue (the entry stop was then reported on a
      // running target, and the first stackTrace came back empty).
      this.entryStopPending = true;
      let running = this.isRunning;
      if (!running) {
        try {
          const info = (await this.gdb.sendCommand('-thread-info')) as { threads?: { state?: string }[] };
          running = (info.threads ?? []).some((t) => t.state === 'running');
        } catch (e) {
          running = /running/i.test((e as Error).message); // "... while the target is running."
        }
      }
      if (running) await sendExecInterrupt(this.gdb).catch(() => undefined);
      else this.sendStoppedEvent('entry', 1, true);
      return;
    }
    if (driver && stopOnEntry && !this.terminatedSent && !this.runtime?.entryPassed) {
      this.entryStopPending = true; // the temporary breakpoint's stop is reported as 'entry'
      try {
        await this.gdb.sendCommand(`-break-insert -t *0x${driver.entry.toString(16)}`);
      } catch (e) {
        this.entryStopPending = false;
        this.sendEvent(new OutputEvent(`uefi-hv: no entry breakpoint: ${(e as Error).message}\n`, 'stderr'));
      }
    }
    await super.configurationDoneRequest(response, args);
    if (!this.runtime || this.terminatedSent || this.isRunning) return;
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
    // The launch attribute `exitBreakpoints` seeds the first request (the UI's state afterwards).
    if (!this.exitFiltersSeeded) {
      this.exitFiltersSeeded = true;
      for (const id of this.hvConfig?.exitBreakpoints ?? [])
        if (!wanted.some((w) => w.filterId === id)) wanted.push({ filterId: id });
    }
    const hv = this.runtime?.hv;
    const stubBps = [];
    const results: DebugProtocol.Breakpoint[] = [];
    for (const w of wanted) {
      const f = EXIT_FILTERS.find((x) => x.id === w.filterId);
      if (!f) {
        results.push({ verified: false, message: `unknown VM-exit filter '${w.filterId}'` });
        continue;
      }
      const parsed = f.parseCondition(w.condition);
      if ('error' in parsed) {
        results.push({ verified: false, message: `${f.label}: ${parsed.error}` });
        continue;
      }
      if (!hv?.info) {
        results.push({
          verified: false,
          message: `${f.label}: this target has no uefi-hv stub (plain gdbstub); VM-exit breakpoints need the hypervisor's stub`,
        });
        continue;
      }
      const mapped = toStubBreakpoints(f, parsed.terms as Term[], stubBps.length);
      if ('error' in mapped) {
        results.push({ verified: false, message: `${f.label}: ${mapped.error}` });
        continue;
      }
      stubBps.push(...mapped.breakpoints);
      results.push({ verified: true });
    }
    if (hv?.info) {
      try {
        await hv.setExitBreakpoints(stubBps);
      } catch (e) {
        for (const r of results)
          if (r.verified) Object.assign(r, { verified: false, message: (e as Error).message });
      }
    }
    response.body = { breakpoints: results };
    this.sendResponse(response);
  }

  private targetGone(message: string, restart = false): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.sendEvent(new OutputEvent(`uefi-hv: ${message}\n`, 'important'));
    this.sendEvent(new TerminatedEvent(restart || undefined));
    void this.gdb?.sendGDBExit().catch(() => undefined);
  }

  protected async disconnectRequest(
    response: DebugProtocol.DisconnectResponse,
    args: DebugProtocol.DisconnectArguments,
  ): Promise<void> {
    this.terminatedSent = true; // the user ended it: no second message
    const rt = this.runtime;
    // attach never ends the target; launch keeps it only when asked (terminateDebuggee false).
    const keep = this.hvConfig?.request === 'attach' || args?.terminateDebuggee === false;
    // The base class answers once gdb is gone; the answer is held until the detach has said what
    // it did (where to attach next), since nothing reaches the client after it.
    this.holdDisconnect = true;
    try {
      await super.disconnectRequest(response, args);
    } finally {
      if (keep) await rt?.detach().catch(() => undefined);
      this.holdDisconnect = false;
      const held = this.heldDisconnect;
      this.heldDisconnect = undefined;
      if (held) this.sendResponse(held);
      if (!keep || this.hvConfig?.request === 'attach') await rt?.dispose();
    }
  }
}
