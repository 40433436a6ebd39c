/**
 * Which credentials this action exported earlier in the job. The main step sees a step's own `env:`
 * values as it sees the job's; handing such a value back through GITHUB_ENV in the post step would give a
 * secret that was the step's alone to every later step. So the post step hands back only credentials an
 * earlier use of this action exported (they were the job's already), and clears any other.
 *
 * Kept in RUNNER_TEMP (one job's, emptied after it) as SHA-256 fingerprints, never the values.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Env } from '../names';

const FILE = 'aws-credentials-gate.exported';

function fingerprint(name: string, value: string): string {
  return createHash('sha256').update(`${name}\u0000${value}`).digest('hex');
}

function ledgerPath(env: Env): string | undefined {
  return env.RUNNER_TEMP ? path.join(env.RUNNER_TEMP, FILE) : undefined;
}

/** Notes that this step exported `name=value` to the job. Best effort: without it, less is handed back. */
export function recordExport(env: Env, name: string, value: string): void {
  const file = ledgerPath(env);
  if (file === undefined || value === '') return;
  try {
    appendFileSync(file, `${fingerprint(name, value)}\n`, { mode: 0o600 });
  } catch {
    // An unwritable RUNNER_TEMP: the post step then clears this value instead of handing it back.
  }
}

/** Whether an earlier step of this action exported `name=value`. */
export function exportedEarlier(env: Env, name: string, value: string): boolean {
  const file = ledgerPath(env);
  if (file === undefined) return false;
  try {
    return readFileSync(file, 'utf8').split('\n').includes(fingerprint(name, value));
  } catch {
    return false;
  }
}
