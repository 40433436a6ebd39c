/**
 * What a self-refreshing profile keeps on disk: a directory of its own under RUNNER_TEMP (0700), holding its
 * settings, the keys that sign its renewals (keys -> AssumeRole only), the last credentials (the cache) and
 * the cache's lock, every file 0600. The main step makes it, the credential process reads it, the post step
 * removes it. Nothing here loads an AWS client: the credential process answers from the cache with this alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../inputs/config';
import type { RoleRef, TokenSource } from '../inputs/plan';
import type { Credentials, StsOperation } from '../names';
import { writeAtomically } from '../profile/files';

/** The directory's name starts so; the post step removes no directory under RUNNER_TEMP but one named so. */
export const DIR_PREFIX = 'aws-credentials-gate-refresh-';

/** Cached credentials are given out while they have more than this left: botocore refreshes at 15 minutes. */
export const RENEW_WINDOW_MS = 15 * 60_000;

/** One renewal's time limit unless action-timeout-s gives one. */
export const RENEWAL_LIMIT_MS = 60_000;

/** One renewal's time limit: action-timeout-s, else RENEWAL_LIMIT_MS. */
export function renewalLimitMs(config: Pick<Config, 'timeoutMs'>): number {
  return config.timeoutMs ?? RENEWAL_LIMIT_MS;
}

export interface Paths {
  dir: string;
  settings: string;
  keys: string;
  cache: string;
}

export function pathsIn(dir: string): Paths {
  return {
    dir,
    settings: path.join(dir, 'settings.json'),
    keys: path.join(dir, 'keys.json'),
    cache: path.join(dir, 'credentials.json'),
  };
}

/** What the post step removes: the store's directory (the profile is in the restore record's own field). */
export interface RefreshRecord {
  dir: string;
}

/** How the credentials are renewed: the main step's plan, without the keys (kept in their own file). */
export type Source =
  | { kind: StsOperation.AssumeRoleWithWebIdentity; roleArn: string; token: TokenSource }
  | { kind: StsOperation.AssumeRole; role: RoleRef };

/** What the main step leaves for the credential process. No secret: the keys are in their own file. */
export interface Settings {
  version: 1;
  /** The profile that runs the process, named in every failure (the SDKs' errors do not name it). */
  profile: string;
  config: Omit<Config, 'keys'>;
  source: Source;
}

/** The credentials as credential_process prints them (Version 1), with a line break after. */
export function credentialProcessJson({
  accessKeyId,
  secretAccessKey,
  sessionToken,
  expiration,
}: Credentials) {
  const answer = {
    Version: 1,
    AccessKeyId: accessKeyId,
    SecretAccessKey: secretAccessKey,
    SessionToken: sessionToken,
    Expiration: expiration?.toISOString(),
  };
  return `${JSON.stringify(answer)}\n`;
}

/** The cached answer, when it has more than RENEW_WINDOW_MS left at `now`; undefined otherwise. */
export function freshAnswer(text: string | undefined, now: number): string | undefined {
  if (text === undefined) return undefined;
  let answer: { Version?: unknown; Expiration?: unknown };
  try {
    answer = JSON.parse(text);
  } catch {
    return undefined; // never written half (see writeAtomically), so this is not ours: renewed over
  }
  if (answer?.Version !== 1 || typeof answer.Expiration !== 'string') return undefined;
  const expires = Date.parse(answer.Expiration);
  return expires - now > RENEW_WINDOW_MS ? text : undefined;
}

/** The file's text; undefined when it is not there. */
export function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A file of the directory, replaced whole (a reader never sees half of it), mode 0600. */
export function writePrivate(file: string, text: string): void {
  writeAtomically(file, text);
}

/** The store is gone: the post step has run (or someone removed it). */
export function storeGone(paths: Paths): never {
  throw new Error(
    `its settings in ${paths.dir} are gone: the post step of the aws-credentials-gate step that wrote the ` +
      'profile removes them when the job ends',
  );
}

export function readSettings(paths: Paths): Settings {
  const text = readIfThere(paths.settings) ?? storeGone(paths);
  const settings = JSON.parse(text) as Settings;
  if (settings?.version !== 1) throw new Error(`${paths.settings} is not a settings file of this version`);
  return settings;
}

/** The keys that sign renewals (keys -> AssumeRole). */
export function readKeys(paths: Paths): Credentials {
  const text = readIfThere(paths.keys);
  if (text === undefined) throw new Error(`the keys that sign its renewals are gone from ${paths.dir}`);
  const { accessKeyId, secretAccessKey, sessionToken } = JSON.parse(text) as Credentials;
  return { accessKeyId, secretAccessKey, sessionToken };
}

/**
 * The post step's part: the whole directory, if it is one of ours directly under RUNNER_TEMP. Returns what
 * could not be done.
 */
export function removeStore(dir: string, runnerTemp: string | undefined): string[] {
  const ours =
    runnerTemp !== undefined &&
    path.dirname(path.resolve(dir)) === path.resolve(runnerTemp) &&
    path.basename(dir).startsWith(DIR_PREFIX);
  if (!ours) return [`${dir} is not a credential cache of this action under RUNNER_TEMP; left as it is`];
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return [];
  } catch (error) {
    return [`${dir}: ${error instanceof Error ? error.message : String(error)}`];
  }
}
