/**
 * Writes credentials and region into the shared AWS files (credentials and config) as a named profile, so the
 * aws-cli and the SDKs work with AWS_PROFILE, and removes exactly what was written in the post step.
 * Every other byte of both files is kept: a file is split into sections only to find and replace ours.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeError, InputError } from '../errors';
import { type Credentials, type Env, Input } from '../names';
import { ensureDir, readIfExists, removeDirIfEmpty, writeAtomically } from './files';
import {
  configSectionName,
  credentialLines,
  cutSection,
  findSection,
  putSection,
  secretValues,
} from './sections';

export interface ProfileFiles {
  credentialsFile: string;
  configFile: string;
}

/** One section writeProfile changed in a file that existed before. */
export interface PreviousSection {
  file: string;
  /** The section's name as in its header, e.g. `ci` or `profile ci`. */
  section: string;
  /** The section's text before; undefined when it did not exist, so it is removed on cleanup. */
  text?: string;
  /** The blank line(s) put before an appended section, removed with it. */
  separator?: string;
}

/** What writeProfile did, so the post step can undo exactly that. JSON-serialisable. */
export interface ProfileRecord {
  profile: string;
  files: ProfileFiles;
  /** Files that did not exist before and were created (to be deleted on cleanup). */
  createdFiles: string[];
  /** Directories that did not exist before and were created, outermost first. */
  createdDirs: string[];
  /** For each file that existed: the previous text of the section we replaced. */
  previousSections: PreviousSection[];
}

export interface WriteProfileOptions {
  /** The profile's name. */
  name: string;
  files: ProfileFiles;
  credentials: Credentials;
  /** The profile's region, in the config file; without one the config file is left as it is. */
  region?: string;
  /** Replace the profile when it already exists; otherwise that is an InputError. */
  overwrite: boolean;
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

/**
 * Writes the profile's section to both files: appended, or replaced in place when `overwrite`.
 * Both files are checked before either is written; if the second write fails, the first is undone.
 */
/**
 * The checks writeProfile makes before it writes, on their own, so a profile that cannot be written is
 * refused before AWS is asked for anything: the files must differ, be no symbolic links, and not hold the
 * profile already unless overwrite. Returns what each file holds now (undefined: it does not exist).
 */
export function checkProfile(options: Pick<WriteProfileOptions, 'name' | 'files' | 'overwrite'>): {
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
    throw new InputError(
      Input.AwsProfile,
      `Input '${Input.AwsProfile}': profile "${profile}" already exists in ${where}; set ${Input.OverwriteAwsProfile}: true to replace it.`,
    );
  }
  return { credentials, config };
}

export function writeProfile(options: WriteProfileOptions): ProfileRecord {
  const { name: profile, files, credentials, region } = options;
  const current = checkProfile(options);
  const targets = [
    {
      file: files.credentialsFile,
      section: profile,
      lines: credentialLines(credentials),
      before: current.credentials,
    },
    ...(region === undefined
      ? []
      : [
          {
            file: files.configFile,
            section: configSectionName(profile),
            lines: [`region = ${region}`],
            before: current.config,
          },
        ]),
  ];

  const record: ProfileRecord = {
    profile,
    files: { credentialsFile: files.credentialsFile, configFile: files.configFile },
    createdFiles: [],
    createdDirs: [],
    previousSections: [],
  };
  try {
    for (const { file, section, lines, before } of targets) {
      ensureDir(path.dirname(file), record.createdDirs);
      const put = putSection(before ?? '', section, lines);
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
    }
  } catch (error) {
    removeProfile(record);
    throw error;
  }
  return record;
}

/**
 * Undoes writeProfile: puts back the sections it replaced, removes those it added, deletes the files and
 * directories it created once nothing else is in them. Never throws; returns what could not be done.
 */
export function removeProfile(record: ProfileRecord): string[] {
  const warnings: string[] = [];
  const attempt = (what: string, undo: () => void) => {
    try {
      undo();
    } catch (error) {
      warnings.push(`${what}: ${describeError(error)}`);
    }
  };
  attempt('profile record', () => {
    for (const entry of record.previousSections) {
      attempt(entry.file, () => {
        const warning = restoreSection(entry);
        if (warning !== undefined) warnings.push(`${entry.file}: ${warning}`);
      });
    }
    for (const file of record.createdFiles) {
      const section =
        file === record.files.credentialsFile ? record.profile : configSectionName(record.profile);
      attempt(file, () => removeCreatedFile(file, section));
    }
    for (const dir of [...record.createdDirs].reverse()) attempt(dir, () => removeDirIfEmpty(dir));
  });
  return warnings;
}

/**
 * The secret values in the sections a record will put back: they go to GITHUB_STATE for the post step,
 * and must be masked first, as the values of replaced environment variables are.
 */
export function secretsToRestore(record: ProfileRecord): string[] {
  return record.previousSections.flatMap(({ text }) => secretValues(text ?? ''));
}

/** Puts one section of an existing file back as it was; a warning when that cannot be done exactly. */
function restoreSection(entry: PreviousSection): string | undefined {
  const text = readIfExists(entry.file);
  if (text === undefined) return 'the file is gone; nothing to restore';
  const found = findSection(text, entry.section);
  if (found === undefined) {
    return entry.text === undefined
      ? undefined
      : `section [${entry.section}] is gone; its previous text was not put back`;
  }
  const restored =
    entry.text === undefined
      ? cutSection(text, found, entry.separator)
      : text.slice(0, found.start) + entry.text + text.slice(found.end);
  if (restored !== text) writeAtomically(entry.file, restored);
  return undefined;
}

/** Removes the section from a file writeProfile created; deletes the file if nothing else is left. */
function removeCreatedFile(file: string, section: string): void {
  const text = readIfExists(file);
  if (text === undefined) throw new Error('the file is gone; nothing to remove');
  const found = findSection(text, section);
  const rest = found === undefined ? text : cutSection(text, found);
  if (rest.trim() === '') fs.unlinkSync(file);
  else if (rest !== text) writeAtomically(file, rest);
}
