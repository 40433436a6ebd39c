/**
 * Writes credentials and region into the shared AWS files (credentials and config) as a named profile, so the
 * aws-cli and the SDKs work with AWS_PROFILE, and removes exactly what was written in the post step.
 * Every other byte of both files is kept: a file is split into sections only to find and replace ours.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Input } from './constants';
import { describeError, InputError } from './errors';

export interface ProfileFiles {
  credentialsFile: string;
  configFile: string;
}

export interface ProfileCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
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
  profile: string;
  files: ProfileFiles;
  credentials: ProfileCredentials;
  region: string;
  /** Replace the profile when it already exists; otherwise that is an InputError. */
  overwrite: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** 1 to 64 characters, none of them whitespace, control characters, brackets or slashes. */
const PROFILE_NAME = /^[^\s\p{Cc}[\]/\\]{1,64}$/u;
const PROFILE_NAME_FORM = '1 to 64 characters without whitespace, brackets or slashes, e.g. ci-deploy';
const HEADER = /^\s*\[([^\]]+)\]\s*$/;
const COMMENT = /^\s*[#;]/;

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

/** A profile name as the section headers of both files can hold it; an InputError otherwise. */
export function parseProfileName(raw: string): string {
  if (!PROFILE_NAME.test(raw)) throw InputError.invalid(Input.AwsProfile, raw, PROFILE_NAME_FORM);
  return raw;
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
export function checkProfile(options: Pick<WriteProfileOptions, 'profile' | 'files' | 'overwrite'>): {
  credentials: string | undefined;
  config: string | undefined;
} {
  const { profile, files, overwrite } = options;
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
  const { profile, files, credentials, region } = options;
  const current = checkProfile(options);
  const targets = [
    {
      file: files.credentialsFile,
      section: profile,
      lines: credentialLines(credentials),
      before: current.credentials,
    },
    {
      file: files.configFile,
      section: configSectionName(profile),
      lines: [`region = ${region}`],
      before: current.config,
    },
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
          ...(put.previous === undefined ? {} : { text: put.previous }),
          ...(put.separator ? { separator: put.separator } : {}),
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

/** Keys whose values in a profile section are secret (the access key id is masked like the env's). */
const SECRET_SETTINGS = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
];

/**
 * The secret values in the sections a record will put back: they go to GITHUB_STATE for the post step,
 * and must be masked first, as the values of replaced environment variables are.
 */
export function secretsToRestore(record: ProfileRecord): string[] {
  const secrets: string[] = [];
  for (const { text } of record.previousSections) {
    for (const { content } of splitLines(text ?? '')) {
      const match = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(content);
      if (match?.[1] && match[2] && SECRET_SETTINGS.includes(match[1].toLowerCase())) secrets.push(match[2]);
    }
  }
  return secrets;
}

/** The config file's section name: `default`, or `profile <name>` for any other profile. */
function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/** The credentials section's lines after its header; the expiry as a comment the clients ignore. */
function credentialLines(credentials: ProfileCredentials): string[] {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  for (const value of [accessKeyId, secretAccessKey, sessionToken]) {
    if (value !== undefined && /[\r\n]/.test(value)) throw new Error('AWS credentials contain a line break.');
  }
  return [
    ...(expiration ? [`# expires ${expiration.toISOString()}`] : []),
    `aws_access_key_id = ${accessKeyId}`,
    `aws_secret_access_key = ${secretAccessKey}`,
    ...(sessionToken ? [`aws_session_token = ${sessionToken}`] : []),
  ];
}

interface Line {
  /** The line without its line break. */
  content: string;
  /** Offset of the line's first character in the file text. */
  start: number;
  /** Offset just past the line's line break (or the end of the text). */
  end: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    lines.push({ content: text.slice(start, end).replace(/\r?\n$/, ''), start, end });
    start = end;
  }
  return lines;
}

/** A header line's section name, trimmed and with inner runs of whitespace as one space. */
function headerName(content: string): string | undefined {
  const name = HEADER.exec(content)?.[1]?.trim();
  return name === undefined ? undefined : name.split(/\s+/).join(' ');
}

/**
 * Where the first section named `name` is: from its header to the end of its last line that is neither blank
 * nor a comment. Blank lines and comments after that stay in the file: they usually belong to what follows.
 */
function findSection(text: string, name: string): { start: number; end: number } | undefined {
  const lines = splitLines(text);
  const at = lines.findIndex((line) => headerName(line.content) === name);
  const header = lines[at];
  if (header === undefined) return undefined;
  let end = header.end;
  for (const line of lines.slice(at + 1)) {
    if (headerName(line.content) !== undefined) break;
    if (line.content.trim() !== '' && !COMMENT.test(line.content)) end = line.end;
  }
  return { start: header.start, end };
}

/** The file's line break: CRLF if it already uses it, else LF. */
function lineBreak(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** What goes between a file's text and an appended section so that one blank line separates them. */
function separatorFor(text: string): string {
  const eol = lineBreak(text);
  const last = splitLines(text).at(-1);
  if (last === undefined) return '';
  if (last.end === last.start + last.content.length) return eol + eol;
  return last.content.trim() === '' ? '' : eol;
}

/** The text with the section replaced in place (and its previous text), or appended (and what went before it). */
function putSection(
  text: string,
  name: string,
  lines: string[],
): { text: string; previous?: string; separator?: string } {
  const eol = lineBreak(text);
  const section = [`[${name}]`, ...lines].map((line) => line + eol).join('');
  const found = findSection(text, name);
  if (found) {
    return {
      text: text.slice(0, found.start) + section + text.slice(found.end),
      previous: text.slice(found.start, found.end),
    };
  }
  const separator = separatorFor(text);
  return { text: text + separator + section, separator };
}

/** The text without the section and, when it is given and there, the separator written before it. */
function cutSection(text: string, found: { start: number; end: number }, separator = ''): string {
  let before = text.slice(0, found.start);
  if (separator !== '' && before.endsWith(separator)) before = before.slice(0, -separator.length);
  return before + text.slice(found.end);
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

function removeDirIfEmpty(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/** lstat, or undefined when nothing is at the path. */
function lstatIfExists(target: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file's text, or undefined when it does not exist. Refuses a symlinked file or directory. */
function readIfExists(file: string): string | undefined {
  const dir = path.dirname(file);
  const dirStat = lstatIfExists(dir);
  if (dirStat?.isSymbolicLink()) {
    throw new Error(`Refusing to write the AWS profile: the directory ${dir} is a symbolic link.`);
  }
  if (dirStat && !dirStat.isDirectory()) throw new Error(`${dir} is not a directory.`);
  const stat = lstatIfExists(file);
  if (stat === undefined) return undefined;
  if (stat.isSymbolicLink())
    throw new Error(`Refusing to write the AWS profile: ${file} is a symbolic link.`);
  if (!stat.isFile()) throw new Error(`${file} is not a regular file.`);
  return fs.readFileSync(file, 'utf8');
}

/** Creates the directory and any missing parents with mode 0700, adding each to `created`. */
function ensureDir(dir: string, created: string[]): void {
  const missing: string[] = [];
  for (let at = dir; lstatIfExists(at) === undefined; at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const each of missing) {
    fs.mkdirSync(each, { mode: DIR_MODE });
    fs.chmodSync(each, DIR_MODE);
    created.push(each);
  }
}

/** Replaces the file by renaming a new one (mode 0600) over it, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  // Opened with 'wx' (create, never reuse), so the name only has to be unlikely to exist already;
  // node:crypto would cost the post step more than all the rest of its work.
  const suffix = `${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${suffix}.tmp`);
  fs.writeFileSync(temp, text, { mode: FILE_MODE, flag: 'wx' });
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.chmodSync(file, FILE_MODE);
}
