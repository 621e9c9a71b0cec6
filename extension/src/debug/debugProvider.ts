// The `uefi-hv` debugger on the VS Code side: configurations (initial, dynamic: one per profile
// that can run here), their filling-in before launch, and how the adapter process is started.
import * as path from 'path';
import * as vscode from 'vscode';
import { TargetController } from '../session/controller';
import { stopDetail } from '../session/targetState';
import { buildOutputsDir } from '../tasks/buildTask';
import { buildDefaults, defaultBuildDefinition, defaultBuildTaskLabel } from '../tasks/taskProvider';
import { adapterEntry, discoverDriverDir } from '../ui/discovery';
import { readSettings, workspaceRoot } from '../ui/settings';
import { HV_RUNNING_EVENT, HV_STOP_EVENT, HvStopEventBody } from '../views/protocol';
import {
  DEBUG_TYPE,
  dynamicConfigurations,
  HvLaunchConfiguration,
  LaunchDefaults,
  resolveConfiguration,
} from './configurations';

function launchDefaults(controller: TargetController): LaunchDefaults {
  const s = readSettings();
  const driverDir = discoverDriverDir(s.driverDir, workspaceRoot()) ?? '${workspaceFolder}/hv-driver';
  return {
    profile: controller.selectedProfile(),
    buildTarget: s.buildTarget,
    buildTaskLabel: defaultBuildTaskLabel(),
    // Where the preLaunchTask's build (standalone or EDK2) puts the images.
    outputsDir:
      buildOutputsDir(defaultBuildDefinition(), buildDefaults()) ??
      path.join(driverDir, 'build', s.buildTarget),
    ovmf: s.ovmf || undefined,
    gdbPath: s.gdb || undefined,
    profilesDir: s.profilesDirs[0],
    cwd: workspaceRoot(),
    timeouts: { startSeconds: s.startSeconds, bootSeconds: s.bootSeconds, requestSeconds: s.requestSeconds },
  };
}

export class HvConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly controller: TargetController) {}

  async provideDebugConfigurations(): Promise<vscode.DebugConfiguration[]> {
    const choices = await this.controller.profileChoices();
    return dynamicConfigurations(choices, launchDefaults(this.controller));
  }

  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    try {
      const choices = await this.controller.profileChoices();
      return resolveConfiguration(config as HvLaunchConfiguration, choices, launchDefaults(this.controller));
    } catch (e) {
      this.controller.fail((e as Error).message);
      return undefined; // abort the launch
    }
  }
}

export class HvAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const entry = adapterEntry(this.extensionPath);
    if (!entry)
      throw new Error(
        `uefi-hv: the debug adapter is not built (no dist/debugAdapter.js or out/debug-adapter/src/main.js in ${this.extensionPath})`,
      );
    return new vscode.DebugAdapterExecutable(process.execPath, [entry], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  }
}

function profileOf(s: vscode.DebugSession): string | undefined {
  const p: unknown = s.configuration.profile;
  return typeof p === 'string' ? p : undefined;
}

export function registerDebugger(context: vscode.ExtensionContext, controller: TargetController): void {
  const provider = new HvConfigurationProvider(controller);
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      provider,
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory(
      DEBUG_TYPE,
      new HvAdapterFactory(context.extensionPath),
    ),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) controller.setPhase('booting', undefined, profileOf(s));
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type === DEBUG_TYPE) controller.setPhase('exited', 'debug session ended', profileOf(s));
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE) return;
      if (e.event === HV_STOP_EVENT)
        controller.setPhase('stopped', stopDetail(e.body as HvStopEventBody), profileOf(e.session));
      else if (e.event === HV_RUNNING_EVENT) controller.setPhase('running', undefined, profileOf(e.session));
    }),
    // DAP's own stopped/continued: a plain gdbstub (QEMU, Bochs without the stub) sends no hv/* event.
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (s) => ({
        onDidSendMessage: (m: {
          type?: string;
          event?: string;
          body?: { reason?: string; description?: string };
        }) => {
          if (m.type !== 'event') return;
          if (m.event === 'stopped')
            controller.setPhase(
              'stopped',
              m.body?.description ?? `paused (${m.body?.reason ?? 'stopped'})`,
              profileOf(s),
            );
          else if (m.event === 'continued') controller.setPhase('running', undefined, profileOf(s));
        },
      }),
    }),
  );
}
