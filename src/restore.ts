/**
 * What the main step leaves for the post step (in GITHUB_STATE) so it can put the job back as it was.
 */
import { State } from './names';
import type { ProfileRecord } from './profile/profile';
import type { RefreshRecord } from './refresh/store';
import type { Runner } from './runner/protocol';

export interface Restore {
  /** Every variable the main step changed, with its value before (null: it was not set). */
  env: Record<string, string | null>;
  /** The profile written, to be removed (see profile/profile.ts). */
  profile?: ProfileRecord;
  /** refresh-credentials: the store of the profile's credential process, to be removed (refresh/store.ts). */
  refresh?: RefreshRecord | undefined;
  /** The profiles of the profiles input, to be removed (a replaced one put back). */
  profiles?: ProfileRecord[];
  /** refresh-credentials with profiles: the store of each profile's credential process, to be removed. */
  stores?: RefreshRecord[];
}

/** Hands the post step what it needs to undo the main step, if the main step changed anything. */
export function saveRestore(runner: Runner, restore: Restore): void {
  const changed = [restore.profile, restore.refresh, restore.profiles, restore.stores];
  if (Object.keys(restore.env).length > 0 || changed.some((each) => each !== undefined))
    runner.saveState(State.Restore, JSON.stringify(restore));
}

/** The record as the post step reads it back: only AWS_* variables, and strings or null. */
export function parseRestore(saved: string): Restore {
  const value: unknown = JSON.parse(saved);
  const env = (value as { env?: unknown } | null)?.env;
  if (typeof env !== 'object' || env === null) throw new Error(`state '${State.Restore}' is malformed`);
  const clean: Record<string, string | null> = {};
  for (const [name, before] of Object.entries(env)) {
    if (!/^AWS_[A-Z_]+$/.test(name)) continue;
    clean[name] = typeof before === 'string' ? before : null;
  }
  const { profile, refresh, profiles, stores } = value as Restore;
  const dir = typeof refresh?.dir === 'string' ? refresh.dir : undefined;
  const dirs = (Array.isArray(stores) ? stores : []).flatMap((store) =>
    typeof store?.dir === 'string' ? [{ dir: store.dir }] : [],
  );
  return {
    env: clean,
    profile: profile || undefined,
    refresh: dir === undefined ? undefined : { dir },
    profiles: Array.isArray(profiles) && profiles.length > 0 ? profiles : undefined,
    stores: dirs.length > 0 ? dirs : undefined,
  };
}
