// What the commands act on: the chosen profile, the build, and the one target this window runs
// (Boot without debugging). The launcher, profiles and host checks are loaded on first use, so
// activation stays cheap.
import * as path from 'path';
import * as vscode from 'vscode';
import type { Target, TargetExit } from '../target/launcher';
import type { Profile, ProfileSet } from '../target/profiles';
import { ProfileChoice } from '../profiles/profileChoices';
import { defaultBuildDefinition, TASK_SOURCE } from '../tasks/taskProvider';
import { buildOutputsDir, taskName } from '../tasks/buildTask';
import { buildDefaults } from '../tasks/taskProvider';
import { ConsoleTerminal } from '../ui/consoleTerminal';
import { discoverDriverDir } from '../ui/discovery';
import { readSettings, workspaceRoot } from '../ui/settings';
import { TargetStatusBar } from '../ui/statusBar';
import { targetRuntime } from './lazyRuntime';
import { TargetPhase, TargetState } from './targetState';

export class TargetController implements vscode.Disposable {
  private state: TargetState;
  private target?: Target;
  private consoleTerminal?: ConsoleTerminal;
  private lastBoot?: { name: string; profile: Profile; out: string }; // what Reset boots again
  private powerCycling = false;
  private readonly stateEmitter = new vscode.EventEmitter<TargetState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly status: TargetStatusBar,
  ) {
    this.state = { phase: 'idle', profile: this.selectedProfile() };
    this.status.update(this.state);
  }

  get current(): TargetState {
    return this.state;
  }

  // The emulator's process id while a target runs (tests check it is gone after Stop).
  get targetPid(): number | undefined {
    return this.target?.pid;
  }

  selectedProfile(): string {
    return this.context.workspaceState.get<string>('uefi-hv.profile') ?? readSettings().profile;
  }

  // `profile`: the one a debug session runs, which may differ from the selected one.
  setPhase(phase: TargetPhase, detail?: string, profile?: string): void {
    this.state = { phase, profile: profile ?? this.selectedProfile(), detail };
    this.status.update(this.state);
    void vscode.commands.executeCommand(
      'setContext',
      'uefi-hv.targetRunning',
      phase === 'booting' || phase === 'running' || phase === 'stopped',
    );
    this.log.info(`target: ${phase}${detail ? ` (${detail})` : ''}`);
    this.stateEmitter.fire(this.state);
  }

  // ---- profiles ---------------------------------------------------------------------------------
  async loadProfiles(): Promise<ProfileSet> {
    const { loadProfiles } = targetRuntime();
    const s = readSettings();
    return loadProfiles({ userDirs: s.profilesDirs });
  }

  async profileChoices(): Promise<ProfileChoice[]> {
    const { profileChoices, readHostFacts } = targetRuntime();
    const set = await this.loadProfiles();
    const profiles = [...set.profiles.values()].map((p) => this.withSettings(p));
    return profileChoices(profiles, readHostFacts(), this.selectedProfile());
  }

  // The settings' binaries and timeouts override the profile's.
  withSettings(p: Profile): Profile {
    const s = readSettings();
    return {
      ...p,
      bochs: { ...p.bochs, binary: s.bochs || p.bochs.binary },
      qemu: { ...p.qemu, binary: s.qemu || p.qemu.binary },
      timeouts: {
        bootSeconds: s.bootSeconds || p.timeouts.bootSeconds,
        startSeconds: s.startSeconds || p.timeouts.startSeconds,
        shutdownSeconds: s.shutdownSeconds || p.timeouts.shutdownSeconds,
      },
    };
  }

  async selectProfile(): Promise<string | undefined> {
    let choices: ProfileChoice[];
    try {
      choices = await this.profileChoices();
    } catch (e) {
      this.fail(`cannot read the boot profiles: ${(e as Error).message}`);
      return undefined;
    }
    type Item = vscode.QuickPickItem & { choice: ProfileChoice };
    const items: Item[] = choices.map((c) => ({
      choice: c,
      // A QuickPick item cannot be disabled: an unavailable one is marked and explains itself.
      label: `${c.runnable ? '$(vm)' : '$(circle-slash)'} ${c.name}`,
      description: c.runnable ? `${c.emulator}${c.selected ? ' (current)' : ''}` : `cannot run here`,
      detail: c.runnable
        ? c.description
        : `$(warning) ${c.reason}${c.fallback ? ` (try ${c.fallback})` : ''}`,
      picked: c.selected,
    }));
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Boot profile',
      placeHolder: 'Profile for Boot, Boot and Debug and new launch configurations',
      matchOnDetail: true,
    });
    if (!pick) return undefined;
    if (!pick.choice.runnable) {
      void vscode.window.showWarningMessage(
        `Profile ${pick.choice.name} cannot run on this host: ${pick.choice.reason}.`,
      );
      return undefined;
    }
    await this.context.workspaceState.update('uefi-hv.profile', pick.choice.name);
    this.setPhase(this.target ? this.state.phase : 'idle', this.target ? this.state.detail : undefined);
    return pick.choice.name;
  }

  // ---- build ------------------------------------------------------------------------------------
  // Runs the provided build task (the same one as Run Task) and resolves with its exit code.
  async build(): Promise<number> {
    const def = defaultBuildDefinition();
    const name = taskName(def, buildDefaults());
    const tasks = await vscode.tasks.fetchTasks({ type: TASK_SOURCE });
    const task = tasks.find((t) => t.name === name);
    if (!task) {
      this.fail(`no build task "${name}" (is there a driver folder? see uefi-hv.paths.driver)`);
      return 2;
    }
    this.setPhase('building');
    const code = await new Promise<number>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name === name && e.execution.task.source === TASK_SOURCE) {
          sub.dispose();
          resolve(e.exitCode ?? 1);
        }
      });
      vscode.tasks.executeTask(task).then(undefined, (err: Error) => {
        sub.dispose();
        this.log.error(`build task did not start: ${err.message}`);
        resolve(2);
      });
    });
    if (code === 0) this.setPhase('idle', 'built');
    else this.setPhase('failed', `build failed (exit ${code}); see Problems`);
    return code;
  }

  // ---- boot without debugging -------------------------------------------------------------------
  async boot(): Promise<void> {
    if (this.target) {
      void vscode.window.showInformationMessage('A target is already running: stop it first.');
      return;
    }
    const root = workspaceRoot();
    const driverDir = discoverDriverDir(readSettings().driverDir, root);
    if (!driverDir) return this.fail('no driver folder in this workspace (see setting uefi-hv.paths.driver)');
    if ((await this.build()) !== 0) return;
    let choices: ProfileChoice[];
    let set: ProfileSet;
    try {
      set = await this.loadProfiles();
      choices = await this.profileChoices();
    } catch (e) {
      return this.fail((e as Error).message);
    }
    const name = this.selectedProfile();
    const choice = choices.find((c) => c.name === name);
    if (!choice) return this.fail(`no boot profile "${name}"`);
    if (!choice.runnable) return this.fail(`profile ${name} cannot run here: ${choice.reason}`);
    const profile = this.withSettings(set.get(name));
    // The images of the build just run (standalone or EDK2), from the same task definition.
    const out =
      buildOutputsDir(defaultBuildDefinition(), buildDefaults()) ??
      path.join(driverDir, 'build', readSettings().buildTarget);
    await this.startTarget({ name, profile, out });
  }

  // Launch the emulator on built images, with its console terminal; the target's end updates the
  // state. Also the second half of a Bochs reset (a power cycle).
  private async startTarget(boot: { name: string; profile: Profile; out: string }): Promise<void> {
    const { name, profile, out } = boot;
    const s = readSettings();
    this.consoleTerminal?.terminal.dispose();
    const term = new ConsoleTerminal(`UEFI console (${name})`, s.consoleLogFile || undefined);
    this.consoleTerminal = term;
    term.terminal.show(true);
    term.note(`booting ${out}/HvLoader.efi + HvDxe.efi on profile ${name}`);
    this.setPhase('booting');
    const started = Date.now();
    try {
      const { launch } = targetRuntime();
      this.target = await launch({
        profile,
        esp: { loader: path.join(out, 'HvLoader.efi'), driver: path.join(out, 'HvDxe.efi') },
        ovmf: s.ovmf || undefined,
      });
    } catch (e) {
      term.note(`boot failed: ${(e as Error).message}`);
      term.detach();
      return this.fail(`boot failed: ${(e as Error).message}`);
    }
    this.lastBoot = boot;
    const t = this.target;
    this.log.info(`${profile.emulator} pid ${t.pid}, run folder ${t.runDir}`);
    term.attach(t);
    this.setPhase('running');
    // The driver's first log line says it is in: that is the end of "booting" for the user.
    let seen = '';
    const onData = (d: Buffer): void => {
      seen = (seen + d.toString('latin1')).slice(-4096);
      const m = /hv: [\d.]+ cpu\d+ INFO +(uefi-hv .*loaded at 0x[0-9a-f]+)/.exec(seen);
      if (m) {
        t.console.off('data', onData);
        this.log.info(`driver up after ${((Date.now() - started) / 1000).toFixed(1)} s: ${m[1]}`);
      }
    };
    t.console.on('data', onData);
    t.on('reset', (r: { initiator: string; detail: string }) => {
      this.log.warn(`target reset (${r.initiator}): ${r.detail}`);
      term.note(`target reset: ${r.detail}`);
    });
    t.on('exit', (e: TargetExit) => {
      if (this.target === t) this.target = undefined;
      term.note(`target ended: ${e.detail}`);
      term.detach();
      if (!this.powerCycling) this.setPhase(e.reason === 'died' ? 'failed' : 'exited', e.detail);
    });
  }

  // ---- stop / reset -----------------------------------------------------------------------------
  async stop(): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    if (session?.type === 'uefi-hv') await vscode.debug.stopDebugging(session);
    if (this.target) {
      this.log.info('stopping the target');
      const exit = await this.target.stop();
      this.log.info(`target stopped: ${exit.detail}`);
    } else if (session?.type !== 'uefi-hv') {
      void vscode.window.showInformationMessage('No target is running.');
    }
  }

  // QEMU: a machine reset (QMP system_reset), the same emulator and disk. Bochs has no control
  // channel to reset it from outside: a power cycle (stop, then boot the same images again). A
  // debug session restarts (a new boot under the debugger).
  async reset(): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    if (session?.type === 'uefi-hv') {
      await vscode.commands.executeCommand('workbench.action.debug.restart');
      return;
    }
    const t = this.target;
    if (!t) {
      void vscode.window.showInformationMessage('No target is running.');
      return;
    }
    if (t.profile.emulator === 'qemu') {
      try {
        await t.reset();
        this.log.info('target reset (host, QMP system_reset)');
      } catch (e) {
        void vscode.window.showWarningMessage((e as Error).message);
      }
      return;
    }
    const last = this.lastBoot;
    if (!last) return;
    this.log.info(`power-cycling ${t.profile.emulator} (it cannot be reset from outside)`);
    this.powerCycling = true;
    try {
      await t.stop();
    } finally {
      this.powerCycling = false;
    }
    await this.startTarget(last);
  }

  fail(message: string): void {
    this.log.error(message);
    this.setPhase('failed', message.length > 60 ? `${message.slice(0, 57)}...` : message);
    void vscode.window.showErrorMessage(message);
  }

  async dispose(): Promise<void> {
    await this.target?.stop();
    this.stateEmitter.dispose();
  }
}
