// The profile list a user picks from: every profile, those that cannot run on this host kept
// (greyed, with the reason) so that a missing /dev/kvm is explained rather than hidden.
import { HostFacts, whyCannotRun } from '../target/hostcaps';
import { Profile } from '../target/profiles';

export interface ProfileChoice {
  name: string;
  description: string;
  emulator: string;
  runnable: boolean;
  reason?: string; // why it cannot run here
  fallback?: string;
  builtin: boolean;
  selected: boolean;
}

export function profileChoices(
  profiles: Iterable<Profile>,
  facts: HostFacts,
  selected: string,
  env: NodeJS.ProcessEnv = process.env,
): ProfileChoice[] {
  const out: ProfileChoice[] = [];
  for (const p of profiles) {
    const reason = whyCannotRun(p, facts, env);
    out.push({
      name: p.name,
      description: p.description,
      emulator: p.emulator,
      runnable: reason === undefined,
      reason,
      fallback: p.fallback,
      builtin: p.builtin,
      selected: p.name === selected,
    });
  }
  // Runnable first, then by name: the first item is a sensible default.
  return out.sort((a, b) => Number(b.runnable) - Number(a.runnable) || a.name.localeCompare(b.name));
}

// The profile to use when the chosen one cannot run: its declared fallback if that can, else the
// first runnable one. undefined when nothing can run.
export function runnableProfile(choices: ProfileChoice[], wanted: string): ProfileChoice | undefined {
  const byName = new Map(choices.map((c) => [c.name, c]));
  const w = byName.get(wanted);
  if (w?.runnable) return w;
  const fb = w?.fallback ? byName.get(w.fallback) : undefined;
  if (fb?.runnable) return fb;
  return choices.find((c) => c.runnable);
}
