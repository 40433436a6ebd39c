/**
 * The post step: puts the job back as it was before the main step — every AWS_* variable it changed
 * restored (or cleared, if it was not set), the profile it wrote removed. It never fails the job; it warns.
 */
import { describeError } from './errors';
import { CREDENTIAL_ENV, type Env, ReadEnv, State } from './names';
import { removeProfile } from './profile/profile';
import { parseRestore } from './restore';
import type { Runner } from './runner/protocol';

export function cleanup(runner: Runner, env: Env): void {
  if (env[ReadEnv.SkipCleanup] === 'true') {
    runner.info(`${ReadEnv.SkipCleanup} is true: the post step leaves the job as it is.`);
    return;
  }
  try {
    const saved = runner.getState(State.Restore);
    if (saved === '') return;
    const restore = parseRestore(saved);
    restoreEnv(runner, restore.env);
    if (restore.profile) {
      for (const warning of removeProfile(restore.profile)) runner.warning(`Profile cleanup: ${warning}`);
      // A profile that existed before (overwrite-aws-profile) is put back, not removed.
      const putBack = restore.profile.previousSections.some((entry) => entry.text !== undefined);
      runner.info(`${putBack ? 'Put back the earlier' : 'Removed'} profile ${restore.profile.profile}.`);
    }
  } catch (error) {
    runner.warning(`Cleanup skipped: ${describeError(error)}`);
  }
}

/** Every variable the main step changed, back to its value before (or empty, if it had none). */
function restoreEnv(runner: Runner, before: Record<string, string | null>): void {
  const names = Object.keys(before);
  const cleared: string[] = [];
  for (const name of names) {
    const value = before[name] ?? null;
    if (value !== null && CREDENTIAL_ENV.includes(name)) runner.setSecret(value);
    if (!value) cleared.push(name);
    runner.exportVariable(name, value ?? '');
  }
  const restored = names.length - cleared.length;
  if (restored > 0)
    runner.info(
      `Restored ${plural(restored, 'AWS variable')} to ${restored === 1 ? 'its value' : 'their values'} before the main step.`,
    );
  if (cleared.length > 0)
    runner.info(
      `Cleared ${cleared.join(', ')} (not set before the main step, or credentials this action did not export: ` +
        "a step's own env: is not handed to the whole job).",
    );
}

/** "1 AWS variable", "3 AWS variables". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
