/**
 * AWS_PROFILE is never left empty. A step can set a variable for later steps but never unset one, and the
 * usual clients disagree about AWS_PROFILE: botocore (the aws-cli, boto3) takes an empty one as a profile
 * named "" and fails ("The config profile () could not be found"), where the AWS SDK for JavaScript v3
 * takes it as unset; and while botocore prefers credentials in the environment to the profile AWS_PROFILE
 * names (which only has to exist), the JavaScript SDK prefers the profile.
 *
 * So where the credentials meant for later steps are in the environment and AWS_PROFILE has to name
 * something, it names the stand-in: a profile written with those same credentials, so every client gets
 * them. Where nothing is meant, it names `default` if that exists (the same as unset to every client when
 * no credentials are in the environment), else the stand-in's name with no such profile (no credentials).
 *
 * The main step writes the stand-in as it writes any profile (its post step removes it). A post step that
 * hands credentials back to the environment where AWS_PROFILE was unset writes one too; it cannot remove
 * it itself, so it leaves a record in the job's RUNNER_TEMP, and the next post step of this action that
 * changes the credentials or AWS_PROFILE removes it exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import type { Config } from '../inputs/config';
import { type Credentials, type Env, ExportedEnv } from '../names';
import { readIfExists } from './files';
import { checkProfile, type ProfileFiles, type ProfileRecord, removeProfile, writeProfile } from './profile';
import { findSection } from './sections';

/** The stand-in's name, in the shared credentials file (it has no config section: no region of its own). */
export const STAND_IN = 'aws-credentials-gate-env';

/** The record a post step leaves of the stand-in it wrote, in RUNNER_TEMP. */
const HANDOVER = 'aws-credentials-gate.stand-in.json';

/** A profile the main step writes: the one aws-profile names, or the stand-in. */
export interface ProfileToWrite {
  name: string;
  overwrite: boolean;
  region?: string;
  standIn: boolean;
}

/**
 * What the main step writes, if anything: the aws-profile profile; or, when credentials are exported to the
 * environment while AWS_PROFILE names a profile, the stand-in (replacing an earlier one, which its post step
 * puts back), for AWS_PROFILE to name instead.
 */
export function profileToWrite(config: Config, env: Env): ProfileToWrite | undefined {
  if (config.profile) return { ...config.profile, region: config.region, standIn: false };
  if (config.outputEnvCredentials && env[ExportedEnv.Profile])
    return { name: STAND_IN, overwrite: true, standIn: true };
  return undefined;
}

/** Why the stand-in is written, for the log and for a refusal. */
export function standInReason(env: Env): string {
  return (
    `AWS_PROFILE is ${env[ExportedEnv.Profile]}: the AWS SDK for JavaScript would prefer that profile to the ` +
    'exported credentials, and an empty AWS_PROFILE breaks the aws-cli and boto3, so AWS_PROFILE names ' +
    `profile ${STAND_IN}, written with the same credentials`
  );
}

/** The checks writeProfile makes, before AWS is asked for anything; a stand-in's refusal says why it is written. */
export function checkToWrite(profile: ProfileToWrite, files: ProfileFiles, env: Env): void {
  try {
    checkProfile({ ...profile, files });
  } catch (error) {
    if (!profile.standIn) throw error;
    throw new Error(`${standInReason(env)}; it cannot be written: ${describeError(error)}`);
  }
}

/** Whether a profile exists for botocore: a section in the credentials file or the config file. */
export function profileExists(files: ProfileFiles, name: string): boolean {
  const has = (file: string, sections: string[]) => {
    const text = readIfExists(file);
    return text !== undefined && sections.some((section) => findSection(text, section) !== undefined);
  };
  const configSections = name === 'default' ? ['default', 'profile default'] : [`profile ${name}`];
  return has(files.credentialsFile, [name]) || has(files.configFile, configSections);
}

function handoverFile(env: Env): string | undefined {
  return env.RUNNER_TEMP ? path.join(env.RUNNER_TEMP, HANDOVER) : undefined;
}

/**
 * Removes the stand-in an earlier post step left, when AWS_PROFILE still names it, and forgets it. Returns
 * what could not be undone, or undefined when there was none in effect.
 */
export function takeHandover(env: Env): string[] | undefined {
  const file = handoverFile(env);
  if (file === undefined || env[ExportedEnv.Profile] !== STAND_IN) return undefined;
  let record: ProfileRecord;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileRecord;
  } catch {
    return undefined;
  }
  fs.rmSync(file, { force: true });
  if (record?.profile !== STAND_IN || typeof record.files?.credentialsFile !== 'string') return [];
  return removeProfile(record);
}

/** AWS_PROFILE as near to unset as a step can set it, and what to say about it. */
export interface NearestToUnset {
  name: string;
  note: string;
  warnings: string[];
}

/**
 * AWS_PROFILE for a post step to leave where it was not set before its main step. `keys`: the credentials
 * left in the environment after the post step; they get a stand-in, handed over to a later post step.
 */
export function nearestToUnset(env: Env, files: ProfileFiles, keys: Credentials | undefined): NearestToUnset {
  const warnings: string[] = [];
  if (keys !== undefined) {
    const handedOver = handOver(env, files, keys);
    if (handedOver === true) {
      const note =
        `AWS_PROFILE names profile ${STAND_IN}, written with the credentials handed back to the environment ` +
        '(a step cannot unset AWS_PROFILE, and the AWS SDK for JavaScript prefers a profile it names to ' +
        'them); the post step of the use that exported them removes it.';
      return { name: STAND_IN, note, warnings };
    }
    warnings.push(`AWS_PROFILE cannot name a profile with the credentials handed back: ${handedOver}`);
  }
  const unsetLike = 'a step cannot unset AWS_PROFILE, and an empty one breaks the aws-cli and boto3';
  if (profileExists(files, 'default')) {
    const note = `AWS_PROFILE set to default (${unsetLike}; naming the default profile is the same as unset).`;
    return { name: 'default', note, warnings };
  }
  const note = `AWS_PROFILE names ${STAND_IN}, a profile that does not exist (${unsetLike}): no credentials are found through it.`;
  return { name: STAND_IN, note, warnings };
}

/** Writes a stand-in for a later post step to remove; true, or why it could not be done. */
function handOver(env: Env, files: ProfileFiles, keys: Credentials): true | string {
  const file = handoverFile(env);
  if (file === undefined) return 'RUNNER_TEMP is not set, so no later step could remove it';
  let record: ProfileRecord | undefined;
  try {
    // A new profile only: its record then holds no secrets (it is kept in RUNNER_TEMP, not GITHUB_STATE).
    record = writeProfile({ name: STAND_IN, overwrite: false, files, credentials: keys });
    fs.writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    return true;
  } catch (error) {
    if (record !== undefined) removeProfile(record);
    return describeError(error);
  }
}
