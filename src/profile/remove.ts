/**
 * The post step's half of the profile: each step takes out exactly its own sections, under the files'
 * locks, and the last step holding a section in a file puts the file back as the first one found it
 * (deleted if the steps created it, else its mode as it was).
 */
import * as fs from 'node:fs';
import { describeError } from '../errors';
import { leaveClaim, readClaim } from './claims';
import { readIfExists, removeDirIfEmpty, writeAtomically } from './files';
import { lockFiles } from './lock';
import type { ProfileRecord } from './record';
import { configSectionName, cutSection, findSection } from './sections';

/** One file's section as a record has it. */
interface Change {
  file: string;
  section: string;
  /** The file did not exist before this step wrote it. */
  created: boolean;
  /** The section's text before (it was replaced); undefined: it was added. */
  text?: string;
  /** The blank line(s) put before an added section. */
  separator?: string;
}

/**
 * Undoes writeProfile: puts back the sections it replaced, removes those it added, deletes the files and
 * directories it created once nothing else is in them. Never throws; returns what could not be done.
 */
export function removeProfile(record: ProfileRecord): string[] {
  const warnings: string[] = [];
  try {
    const changes = changesOf(record);
    let unlock: () => void;
    try {
      unlock = lockFiles(changes.map((change) => change.file));
    } catch (error) {
      return [`${describeError(error)} Profile ${record.profile} was left in the files.`];
    }
    let dirs: string[];
    try {
      const undone = undoChanges(record);
      warnings.push(...undone.warnings);
      dirs = undone.dirs;
    } finally {
      unlock();
    }
    warnings.push(...removeDirs(dirs));
  } catch (error) {
    warnings.push(`profile record: ${describeError(error)}`);
  }
  return warnings;
}

/**
 * The file changes of removeProfile, for a caller that holds the files' locks. Returns what could not be
 * done, and the directories to remove (if empty) once the locks are released: they hold the locks.
 */
export function undoChanges(record: ProfileRecord): { warnings: string[]; dirs: string[] } {
  const warnings: string[] = [];
  const dirs = [...record.createdDirs];
  for (const change of changesOf(record)) {
    try {
      const warning = undoChange(change, record.owner, dirs);
      if (warning !== undefined) warnings.push(`${change.file}: ${warning}`);
    } catch (error) {
      warnings.push(`${change.file}: ${describeError(error)}`);
    }
  }
  return { warnings, dirs };
}

/** Removes each directory that is empty, deepest first; returns what could not be done. */
export function removeDirs(dirs: string[]): string[] {
  const warnings: string[] = [];
  const deepestFirst = [...new Set(dirs)].sort((a, b) => b.length - a.length);
  for (const dir of deepestFirst) {
    try {
      removeDirIfEmpty(dir);
    } catch (error) {
      warnings.push(`${dir}: ${describeError(error)}`);
    }
  }
  return warnings;
}

function changesOf(record: ProfileRecord): Change[] {
  const replaced = record.previousSections.map((entry) => ({ ...entry, created: false }));
  const created = record.createdFiles.map((file) => ({
    file,
    section: file === record.files.credentialsFile ? record.profile : configSectionName(record.profile),
    created: true,
  }));
  return [...replaced, ...created];
}

/**
 * Takes this step's section out of one file (the locks held). The file's claim says whether other steps
 * still hold sections in it; without a claim naming this step, the step's own record decides, as if alone.
 */
function undoChange(change: Change, owner: string | undefined, dirs: string[]): string | undefined {
  const { file } = change;
  const text = readIfExists(file);
  const found = readClaim(file);
  // The file's claim, when it names this step.
  const claim = owner !== undefined && found?.owners.includes(owner) ? found : undefined;
  const last = claim?.owners.every((each) => each === owner) === true;
  let warning: string | undefined;
  if (text === undefined) {
    warning = `the file is gone; nothing to ${change.created ? 'remove' : 'restore'}`;
  } else {
    const taken = withoutSection(text, change);
    warning = taken.warning;
    const alone = claim === undefined || last;
    const created = claim ? claim.created : change.created;
    if (alone && created && taken.rest.trim() === '') fs.unlinkSync(file);
    else putBack(file, { text, rest: taken.rest, mode: last ? claim?.mode : undefined });
  }
  if (claim !== undefined && owner !== undefined) {
    const left = leaveClaim(file, claim, owner);
    if (left) dirs.push(...left.dirs);
  }
  return warning;
}

/**
 * Writes the file's new text if it changed, with `mode` when given: the mode it had before the first step
 * wrote it. While any step holds session keys in it the file stays 0600.
 */
function putBack(file: string, change: { text: string; rest: string; mode: number | undefined }): void {
  const { text, rest, mode } = change;
  if (rest !== text) writeAtomically(file, rest, mode);
  else if (mode !== undefined) fs.chmodSync(file, mode);
}

/** The file's text without this step's section (or with the section it replaced put back). */
function withoutSection(text: string, change: Change): { rest: string; warning?: string } {
  const found = findSection(text, change.section);
  if (found === undefined) {
    if (change.text === undefined) return { rest: text };
    return { rest: text, warning: `section [${change.section}] is gone; its previous text was not put back` };
  }
  if (change.text !== undefined)
    return { rest: text.slice(0, found.start) + change.text + text.slice(found.end) };
  return { rest: cutSection(text, found, change.separator) };
}
