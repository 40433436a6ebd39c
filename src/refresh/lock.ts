/**
 * A lock on the credential cache, so that callers running at once renew once. Node has no file locking: the
 * lock is a file beside the cache, made whole (written under another name, then hard-linked into place,
 * which fails if a lock is there), saying who holds it.
 *
 * A holder that can no longer release it must not block for ever: a lock is stale when its process is gone
 * (same host: the pid is not alive), when it is older than any holder may keep it, or when it cannot be
 * read as ours after a moment. A live holder is waited for, up to a bound; then the caller fails, naming the
 * lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LockTiming {
  /** How long to wait for a live holder before giving up. */
  waitMs: number;
  /** A lock older than this is stale whoever holds it. */
  staleMs: number;
}

/** A lock file that does not read as ours this long after it was made is stale. */
const UNREADABLE_GRACE_MS = 2_000;

/** A lock this process holds. */
export interface Held {
  lock: string;
  token: string;
}

/** The lock could not be had within the bound: a live process holds it. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

interface Holder {
  pid?: unknown;
  host?: unknown;
  since?: unknown;
  token?: unknown;
}

/** One look at a lock file: what it says, and enough to know it again. */
interface Seen {
  holder: Holder;
  ino: number;
  ageMs: number;
}

export function lockPath(file: string): string {
  return `${file}.lock`;
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(SLEEPER, 0, 0, ms);
}

function unique(): string {
  return `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
}

/** Takes the lock of `file`, waiting for a live holder up to `timing.waitMs`; throws LockTimeoutError then. */
export function acquire(file: string, timing: LockTiming): Held {
  const lock = lockPath(file);
  const token = unique();
  const text = JSON.stringify({
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    token,
  });
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (place(lock, text)) return { lock, token };
    const seen = look(lock);
    if (seen === undefined) continue; // released meanwhile
    const stale = staleness(seen, timing);
    if (stale !== undefined) {
      takeOver(lock, seen);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= timing.waitMs) throw new LockTimeoutError(timedOut(lock, seen, waited));
    // Holders keep the lock for one renewal: poll soon, then less often, never in step with other waiters.
    sleep(Math.min(5 * 2 ** Math.min(attempt, 4), 80) * (0.5 + Math.random()));
  }
}

/** Removes the lock, unless it is no longer this process's (it was taken over as stale). */
export function release(held: Held): void {
  if (look(held.lock)?.holder.token === held.token) fs.rmSync(held.lock, { force: true });
}

/** Puts the lock in place, whole, unless one is there: false then. */
function place(lock: string, text: string): boolean {
  const temp = `${lock}.${unique()}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** The lock as it is now; undefined when there is none. */
function look(lock: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(lock, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    let holder: Holder = {};
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(fd, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null) holder = parsed as Holder;
    } catch {
      // Not ours: judged by age alone.
    }
    return { holder, ino: stat.ino, ageMs: Date.now() - stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** Why a lock may be taken over; undefined while its holder may still release it. */
function staleness({ holder, ageMs }: Seen, timing: LockTiming): string | undefined {
  if (ageMs > timing.staleMs) return `it is ${Math.round(ageMs / 1000)} s old`;
  if (typeof holder.pid !== 'number') return ageMs > UNREADABLE_GRACE_MS ? 'it names no process' : undefined;
  if (holder.host === os.hostname() && !isAlive(holder.pid)) return `process ${holder.pid} is gone`;
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock out of the way, in one step (a rename), and only the one that was judged: when two
 * callers judge the same lock, the second may find a new holder's lock in its place, and puts it back.
 */
function takeOver(lock: string, judged: Seen): void {
  const aside = path.join(path.dirname(lock), `.${path.basename(lock)}.${unique()}.stale`);
  try {
    fs.renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // taken over by another caller
    throw error;
  }
  try {
    if (fs.statSync(aside).ino !== judged.ino) fs.linkSync(aside, lock);
  } catch (error) {
    // EEXIST: yet another lock is in place; the one moved aside is then lost, and its holder renews twice.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function timedOut(lock: string, { holder }: Seen, waited: number): string {
  const who = typeof holder.pid === 'number' ? `process ${holder.pid}` : 'another process';
  const host = typeof holder.host === 'string' ? ` on ${holder.host}` : '';
  const since = typeof holder.since === 'string' ? ` since ${holder.since}` : '';
  return (
    `${lock} is held by ${who}${host}${since}; waited ${Math.round(waited / 1000)} s for it to renew the ` +
    `credentials. If no such process is running, delete ${lock}.`
  );
}
