/**
 * The action's claim on a shared file, kept beside it while any step holds a section in it: how the file was
 * before the first of them changed it (absent, or its mode) and which steps hold a section now. Steps of
 * jobs running at once share a file; only the last of them to leave knows the file may go back as it was
 * (deleted, if the steps created it; its mode put back), and only the claim can tell it that it is the last.
 * Read and written under the file's lock (lock.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lstatIfExists, writeAtomically } from './files';

export interface Claim {
  /** The file did not exist before: steps created it (and `dirs` for it), so it goes once they have all left. */
  created: boolean;
  /** The file's mode before (a file that existed), put back when the last step leaves. */
  mode?: number;
  /** Directories created for the file, outermost first, removed (if empty) with it. */
  dirs: string[];
  /** The steps holding a section, each by its record's owner token. */
  owners: string[];
}

const CLAIM_SUFFIX = '.aws-credentials-gate.owners';

export function claimPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${CLAIM_SUFFIX}`);
}

/** The file's claim; undefined when there is none (or none that can be read, or nobody holds it). */
export function readClaim(file: string): Claim | undefined {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(claimPath(file), 'utf8'));
  } catch {
    return undefined;
  }
  const claim = value as Partial<Claim> | null;
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (typeof claim?.created !== 'boolean' || !strings(claim.dirs) || !strings(claim.owners)) return undefined;
  if (claim.mode !== undefined && typeof claim.mode !== 'number') return undefined;
  return (claim.owners ?? []).length > 0 ? (claim as Claim) : undefined;
}

/**
 * The claim on a file with `owner` added, worked out before the file is written: a new claim (the file as
 * it is now) when there is none or the file does not exist; the existing one otherwise, which keeps how the
 * file was before the first step. Saved with writeClaim once the file is written.
 */
export function joinedClaim(file: string, owner: string, createdDirs: string[]): Claim {
  const stat = lstatIfExists(file);
  const claim = stat === undefined ? undefined : readClaim(file);
  if (claim) return { ...claim, owners: [...claim.owners, owner] };
  if (stat === undefined)
    return { created: true, dirs: createdDirs.filter((dir) => isInside(file, dir)), owners: [owner] };
  return { created: false, mode: stat.mode & 0o7777, dirs: [], owners: [owner] };
}

export function writeClaim(file: string, claim: Claim): void {
  writeAtomically(claimPath(file), JSON.stringify(claim));
}

/**
 * Takes `owner` off the file's claim. Returns the claim when it was the last (the claim is then deleted and
 * the file may go back as it was); undefined otherwise.
 */
export function leaveClaim(file: string, claim: Claim, owner: string): Claim | undefined {
  const owners = claim.owners.filter((each) => each !== owner);
  if (owners.length > 0) {
    writeClaim(file, { ...claim, owners });
    return undefined;
  }
  fs.rmSync(claimPath(file), { force: true });
  return claim;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
