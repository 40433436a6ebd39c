/**
 * Writes credentials and region into the shared AWS files (credentials and config) as a named profile, so the
 * aws-cli and the SDKs work with AWS_PROFILE, and removes exactly what was written in the post step.
 * Every other byte of both files is kept: a file is split into sections only to find and replace ours.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { describeError, InputError } from '../errors';
import { type Credentials, type Env, Input } from '../names';
import { joinedClaim, writeClaim } from './claims';
import { ensureDir, readIfExists, uniqueSuffix, writeAtomically } from './files';
import { lockFiles } from './lock';
import type { ProfileFiles, ProfileRecord } from './record';
import { removeDirs, removeProfile, undoChanges } from './remove';
import { configSectionName, credentialLines, findSection, putSection, secretValues } from './sections';

export type { PreviousSection, ProfileFiles, ProfileRecord } from './record';
export { removeProfile } from './remove';

export interface WriteProfileOptions {
  /** The profile's name. */
  name: string;
  files: ProfileFiles;
  /** The keys the profile gives; or, instead (refresh-credentials), the command that prints them. */
  credentials?: Credentials;
  credentialProcess?: string;
  /** The profile's region, in the config file; without one (nor a command) the config file is left as it is. */
  region?: string;
  /** Replace the profile when it already exists; otherwise that is an InputError. */
  overwrite: boolean;
  /** The error when the profile exists (and not overwrite), given the files it is in; absent: aws-profile's. */
  taken?: ((where: string) => Error) | undefined;
  /**
   * The main step's deadline (epoch ms, action-timeout-s): a live holder of a lock is waited for no longer
   * (LockDeadlineError); absent, up to the lock's own bound.
   */
  deadline?: number | undefined;
}

/** Paths honouring AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config. */
export function profileFiles(env: Env): ProfileFiles {
  const home = env.HOME || os.homedir();
  const resolve = (given: string | undefined, fallback: string) =>
    path.resolve(given ? given.replace(/^~(?=$|[/\\])/, home) : path.join(home, '.aws', fallback));
  return {
    credentialsFile: resolve(env.AWS_SHARED_CREDENTIALS_FILE, 'credentials'),
    configFile: resolve(env.AWS_CONFIG_FILE, 'config'),
  };
}

/** What checkProfile checks: a profile's name, the files, overwrite; and the error for a profile that exists. */
export type CheckOptions = Pick<WriteProfileOptions, 'name' | 'files' | 'overwrite' | 'taken'>;

/**
 * The checks writeProfile makes before it writes, on their own, so a profile that cannot be written is
 * refused before AWS is asked for anything: the files must differ, be no symbolic links, and not hold the
 * profile already unless overwrite. Returns what each file holds now (undefined: it does not exist).
 */
export function checkProfile(options: CheckOptions): {
  credentials: string | undefined;
  config: string | undefined;
} {
  const { name: profile, files, overwrite } = options;
  if (path.resolve(files.credentialsFile) === path.resolve(files.configFile)) {
    throw new Error(`The AWS credentials and config files must differ; both are ${files.credentialsFile}.`);
  }
  const credentials = readIfExists(files.credentialsFile);
  const config = readIfExists(files.configFile);
  const taken = [
    { file: files.credentialsFile, before: credentials, section: profile },
    { file: files.configFile, before: config, section: configSectionName(profile) },
  ].filter((t) => t.before !== undefined && findSection(t.before, t.section) !== undefined);
  if (taken.length > 0 && !overwrite) {
    const where = taken.map((t) => t.file).join(' and ');
    if (options.taken) throw options.taken(where);
    throw new InputError(
      Input.AwsProfile,
      `Input '${Input.AwsProfile}': profile "${profile}" already exists in ${where}; set ${Input.OverwriteAwsProfile}: true to replace it.`,
    );
  }
  return { credentials, config };
}

/**
 * Writes the profile's section to both files: appended, or replaced in place when `overwrite`. Both
 * files are read, checked, changed and written under their locks, so steps of jobs running at once never
 * write over one another's profiles; if the second write fails, the first is undone.
 */
export function writeProfile(options: WriteProfileOptions): ProfileRecord {
  const { files } = options;
  // Refused early (a symbolic link, a profile already there) before anything is made or locked.
  checkProfile(options);
  const record: ProfileRecord = {
    profile: options.name,
    files: { credentialsFile: files.credentialsFile, configFile: files.configFile },
    owner: uniqueSuffix(),
    createdFiles: [],
    createdDirs: [],
    previousSections: [],
  };
  const makeDir = (dir: string) => ensureDir(dir, record.createdDirs);
  const paths = [files.credentialsFile, files.configFile];
  let unlock: (() => void) | undefined;
  try {
    // The locks live beside the files: their directories first.
    for (const file of paths) makeDir(path.dirname(file));
    unlock = lockFiles(paths, { makeDir, deadline: options.deadline });
    writeLocked(options, record);
  } catch (error) {
    const dirs = unlock ? undoChanges(record).dirs : record.createdDirs;
    unlock?.();
    removeDirs(dirs);
    throw error;
  }
  unlock();
  return record;
}

/**
 * Writes several profiles as writeProfile writes each. All or nothing: when one cannot be written, those
 * written before it are removed again, and its error is thrown (with what could not be undone, if anything).
 */
export function writeProfiles(list: WriteProfileOptions[]): ProfileRecord[] {
  const records: ProfileRecord[] = [];
  try {
    for (const options of list) records.push(writeProfile(options));
  } catch (error) {
    const left = records.reverse().flatMap((record) => removeProfile(record));
    if (left.length === 0) throw error;
    throw new Error(
      `${describeError(error)} The profiles written before it could not all be removed again: ${left.join('; ')}`,
    );
  }
  return records;
}

/** writeProfile's read, check and write, with both files locked. */
function writeLocked(options: WriteProfileOptions, record: ProfileRecord): void {
  const targets = sectionsToWrite(options, checkProfile(options));
  for (const { file, section, lines, before } of targets) {
    const claim = joinedClaim(file, record.owner ?? '', record.createdDirs);
    const put = putSection(before ?? '', section, lines);
    // Session keys are never readable by other users: a shared file that was 0644 (or any other mode) is
    // 0600 while any step holds keys in it, and the post step of the last of them puts its mode back
    // (claims.ts keeps the mode it had before the first). The safe choice: a file's earlier mode was chosen
    // for what was in it then, not for keys this action adds.
    writeAtomically(file, put.text);
    if (before === undefined) {
      record.createdFiles.push(file);
    } else {
      record.previousSections.push({
        file,
        section,
        text: put.previous,
        separator: put.separator || undefined,
      });
    }
    writeClaim(file, claim);
  }
}

/** One section writeProfile puts in a file, and the file's text before. */
interface Target {
  file: string;
  section: string;
  lines: string[];
  before: string | undefined;
}

/**
 * What writeProfile puts in each file: keys in the credentials file, and the region (if any) in the config
 * file; or a credential_process, with the region, in the config file (where the aws-cli reads it). The
 * credentials file is then left alone, unless it holds a section of that name (overwrite-aws-profile): its
 * keys would win over the command, so the section is emptied, and the post step puts it back.
 */
function sectionsToWrite(
  options: WriteProfileOptions,
  current: { credentials: string | undefined; config: string | undefined },
): Target[] {
  const { name, files, credentials, credentialProcess, region } = options;
  const lines = [
    ...(region === undefined ? [] : [`region = ${region}`]),
    ...(credentialProcess === undefined ? [] : [`credential_process = ${credentialProcess}`]),
  ];
  const config = { file: files.configFile, section: configSectionName(name), lines, before: current.config };
  const configs = lines.length === 0 ? [] : [config];
  const keys = { file: files.credentialsFile, section: name, before: current.credentials };
  if (credentials !== undefined) return [{ ...keys, lines: credentialLines(credentials) }, ...configs];
  const shadowed = current.credentials !== undefined && findSection(current.credentials, name) !== undefined;
  return shadowed ? [{ ...keys, lines: [] }, ...configs] : configs;
}

/**
 * The secret values in the sections a record will put back: they go to GITHUB_STATE for the post step,
 * and must be masked first, as the values of replaced environment variables are.
 */
export function secretsToRestore(record: ProfileRecord): string[] {
  return record.previousSections.flatMap(({ text }) => secretValues(text ?? ''));
}
