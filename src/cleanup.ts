/**
 * The post step: puts the job back as it was before the main step — every AWS_* variable it changed
 * restored (or cleared, if it was not set), the profile it wrote removed. It never fails the job; it warns.
 */
import { CREDENTIAL_ENV, ReadEnv, State } from './constants';
import { describeError } from './errors';
import type { Restore } from './main';
import { removeProfile } from './profile';
import { Runner } from './runner';

const core = new Runner();

export function cleanup(): void {
  if (process.env[ReadEnv.SkipCleanup] === 'true') {
    core.info(`${ReadEnv.SkipCleanup} is true: the post step leaves the job as it is.`);
    return;
  }
  try {
    const saved = core.getState(State.Restore);
    if (saved === '') return;
    const restore = parseRestore(saved);
    const names = Object.keys(restore.env);
    const cleared: string[] = [];
    for (const name of names) {
      const before = restore.env[name] ?? null;
      if (before !== null && CREDENTIAL_ENV.includes(name)) core.setSecret(before);
      if (!before) cleared.push(name);
      core.exportVariable(name, before ?? '');
    }
    const restored = names.length - cleared.length;
    if (restored > 0)
      core.info(
        `Restored ${plural(restored, 'AWS variable')} to ${restored === 1 ? 'its value' : 'their values'} before the main step.`,
      );
    if (cleared.length > 0)
      core.info(
        `Cleared ${cleared.join(', ')} (not set before the main step, or credentials this action did not export: ` +
          "a step's own env: is not handed to the whole job).",
      );
    if (restore.profile) {
      for (const warning of removeProfile(restore.profile)) core.warning(`Profile cleanup: ${warning}`);
      // A profile that existed before (overwrite-aws-profile) is put back, not removed.
      const putBack = restore.profile.previousSections.some((entry) => entry.text !== undefined);
      core.info(`${putBack ? 'Put back the earlier' : 'Removed'} profile ${restore.profile.profile}.`);
    }
  } catch (error) {
    core.warning(`Cleanup skipped: ${describeError(error)}`);
  }
}

/** "1 AWS variable", "3 AWS variables". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function parseRestore(saved: string): Restore {
  const value: unknown = JSON.parse(saved);
  const env = (value as { env?: unknown } | null)?.env;
  if (typeof env !== 'object' || env === null) throw new Error(`state '${State.Restore}' is malformed`);
  const clean: Record<string, string | null> = {};
  for (const [name, before] of Object.entries(env)) {
    if (!/^AWS_[A-Z_]+$/.test(name)) continue;
    clean[name] = typeof before === 'string' ? before : null;
  }
  const profile = (value as Restore).profile;
  return profile ? { env: clean, profile } : { env: clean };
}
