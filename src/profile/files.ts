/**
 * Safe file operations for the shared AWS files: no symbolic links followed, private modes, and
 * writes that replace a file whole (a reader never sees half of one).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Removes the directory if it is empty; one that is gone, or not empty (even just now), is left as it is. */
export function removeDirIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
}

/** A name part no other process will pick: pid, time and chance (node:crypto would cost the post step more than all the rest of its work). */
export function uniqueSuffix(): string {
  return `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
}

/** lstat, or undefined when nothing is at the path. */
export function lstatIfExists(target: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file's text, or undefined when it does not exist. Refuses a symlinked file or directory. */
export function readIfExists(file: string): string | undefined {
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
export function ensureDir(dir: string, created: string[]): void {
  const missing: string[] = [];
  for (let at = dir; lstatIfExists(at) === undefined; at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const each of missing) {
    try {
      fs.mkdirSync(each, { mode: DIR_MODE });
    } catch (error) {
      // Made by another step at the same moment: theirs, not ours.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    fs.chmodSync(each, DIR_MODE);
    created.push(each);
  }
}

/**
 * Replaces the file by renaming a new one over it, so a reader never sees half a file. The new file has
 * `mode` (0600 unless told) before it takes the name.
 */
export function writeAtomically(file: string, text: string, mode = FILE_MODE): void {
  // Opened with 'wx' (create, never reuse), so the name only has to be unlikely to exist already.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${uniqueSuffix()}.tmp`);
  fs.writeFileSync(temp, text, { mode: FILE_MODE, flag: 'wx' });
  try {
    fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
