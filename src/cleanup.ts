/**
 * The post step: puts the job back as it was before the main step — every AWS_* variable it changed
 * restored (or cleared, if it was not set), the profile it wrote removed. It never fails the job; it warns.
 * AWS_PROFILE is never left empty (see profile/stand-in.ts).
 */
import { describeError } from './errors';
import { keysFromEnv } from './inputs/env';
import { CREDENTIAL_ENV, type Env, ExportedEnv, ReadEnv, State } from './names';
import { type ProfileRecord, profileFiles, removeProfile } from './profile/profile';
import { nearestToUnset, STAND_IN, takeHandover } from './profile/stand-in';
import { removeStore } from './refresh/store';
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
    // Read before anything is restored (exporting a variable may change env too).
    const taken = changesCredentialsOrProfile(restore.env) ? takeHandover(env) : undefined;
    for (const warning of taken ?? []) runner.warning(`Profile cleanup: ${warning}`);
    // AWS_PROFILE goes back to a value it had; where it had none, settleProfile decides.
    const { [ExportedEnv.Profile]: profileBefore, ...others } = restore.env;
    restoreEnv(runner, profileBefore ? restore.env : others);
    // aws-profile's (or the stand-in), then those of profiles: the reverse of the order they were written in.
    if (restore.profile) undoProfile(runner, restore.profile);
    for (const record of [...(restore.profiles ?? [])].reverse()) undoProfile(runner, record);
    // After the profiles, so that no tool starts its credential process on a store that is going.
    for (const store of [restore.refresh, ...(restore.stores ?? [])]) {
      if (store === undefined) continue;
      const warnings = removeStore(store.dir, env[ReadEnv.RunnerTemp]);
      for (const warning of warnings) runner.warning(`Credential cache cleanup: ${warning}`);
      if (warnings.length === 0) runner.info(`Removed the credential cache ${store.dir}.`);
    }
    if (taken !== undefined) runner.info(`Removed profile ${STAND_IN}, left by a later use's post step.`);
    const unset = !profileBefore && (ExportedEnv.Profile in restore.env || taken !== undefined);
    if (unset) settleProfile(runner, { ...env, ...restoredValues(restore.env) });
  } catch (error) {
    runner.warning(`Cleanup skipped: ${describeError(error)}`);
  }
}

/** Removes a profile the main step wrote; one that existed before (overwrite-aws-profile) is put back. */
function undoProfile(runner: Runner, record: ProfileRecord): void {
  for (const warning of removeProfile(record)) runner.warning(`Profile cleanup: ${warning}`);
  const putBack = record.previousSections.some((entry) => entry.text !== undefined);
  runner.info(`${putBack ? 'Put back the earlier' : 'Removed'} profile ${record.profile}.`);
}

function changesCredentialsOrProfile(before: Record<string, string | null>): boolean {
  return Object.keys(before).some((name) => name === ExportedEnv.Profile || CREDENTIAL_ENV.includes(name));
}

/** The variables as the post step leaves them (null: cleared). */
function restoredValues(before: Record<string, string | null>): Env {
  return Object.fromEntries(Object.entries(before).map(([name, value]) => [name, value ?? '']));
}

/**
 * AWS_PROFILE where it was not set before the main step, or named the stand-in an earlier post step left
 * (taken back once the credentials it holds change): as near to unset as a step can make it. `env`: the
 * environment as the post step leaves it.
 */
function settleProfile(runner: Runner, env: Env): void {
  const nearest = nearestToUnset(env, profileFiles(env), keysFromEnv(env));
  for (const warning of nearest.warnings) runner.warning(warning);
  runner.exportVariable(ExportedEnv.Profile, nearest.name);
  runner.info(nearest.note);
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
