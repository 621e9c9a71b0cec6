// The target's state as the status bar and the commands see it. Pure: the transitions are the
// contract, tested without VS Code.

export type TargetPhase = 'idle' | 'building' | 'booting' | 'running' | 'stopped' | 'exited' | 'failed';

export interface TargetState {
  phase: TargetPhase;
  profile: string;
  detail?: string; // "VM exit: CPUID on CPU 0", "powered off", the error line
}

const ICON: Record<TargetPhase, string> = {
  idle: '$(vm)',
  building: '$(sync~spin)',
  booting: '$(loading~spin)',
  running: '$(play-circle)',
  stopped: '$(debug-pause)',
  exited: '$(vm-outline)',
  failed: '$(error)',
};

// "$(vm) bochs", "$(sync~spin) bochs: building", "$(debug-pause) bochs: stopped at VM exit: CPUID on CPU 0"
export function statusText(s: TargetState): string {
  const what = (() => {
    switch (s.phase) {
      case 'idle':
        return '';
      case 'stopped':
        return s.detail ? `stopped at ${s.detail}` : 'stopped';
      case 'exited':
      case 'failed':
        return s.detail ? `${s.phase}: ${s.detail}` : s.phase;
      default:
        return s.phase;
    }
  })();
  return `${ICON[s.phase]} ${s.profile}${what ? `: ${what}` : ''}`;
}

export function statusTooltip(s: TargetState): string {
  return [
    `UEFI Hypervisor: profile ${s.profile}`,
    `state: ${s.phase}${s.detail ? ` (${s.detail})` : ''}`,
    'Click to select the boot profile',
  ].join('\n');
}

// "VM exit: CPUID on CPU 0" from the adapter's stop event.
export function stopDetail(e: { reason: string; cpu: number; qualifier?: string }): string {
  return `VM exit: ${e.reason}${e.qualifier ? ` (${e.qualifier})` : ''} on CPU ${e.cpu}`;
}
