/**
 * Locks on the shared AWS files, so that steps of jobs running at once (self-hosted runners whose jobs share a
 * user, and so ~/.aws) read, change and write them one at a time. Node has no file locking of its own: a lock
 * is a file next to the shared one, created only if absent ('wx', O_EXCL), saying who holds it.
 *
 * A lock whose holder cannot release it any more must not block for ever: it is stale when its process is
 * gone (same host: the pid is not alive), when it is older than any step can hold one, or when it still says
 * nothing a moment after it was created (its holder died between creating and writing it). A live holder is
 * waited for, up to a bound (and never past the step's deadline, when it has one); then the step fails, naming
 * the lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { uniqueSuffix } from './files';

export interface LockTiming {
  /** How long to wait for a live holder before giving up. */
  waitMs: number;
  /** A lock older than this is stale whoever holds it (a step holds one for milliseconds). */
  staleMs: number;
}

export const LOCK_TIMING: LockTiming = { waitMs: 10_000, staleMs: 10 * 60_000 };
/** A lock file still empty this long after it was created was left by a holder that died writing it. */
const EMPTY_GRACE_MS = 5_000;
const LOCK_SUFFIX = '.aws-credentials-gate.lock';

/** The lock of a shared file: a hidden file beside it. */
export function lockPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${LOCK_SUFFIX}`);
}

/** The step could not get a lock within the bound: a live process holds it. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/**
 * The step's deadline came while a live process held the lock of `file`: the caller, which knows what the
 * deadline is, says so in its own words (the message is the lock's, for a caller that does not).
 */
export class LockDeadlineError extends LockTimeoutError {
  override name = 'LockDeadlineError';
  constructor(
    /** The shared file whose lock was waited for. */
    readonly file: string,
    /** Who holds the lock: "process 1234 on host", or "another process". */
    readonly holder: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a lock file says about its holder. */
interface Holder {
  pid?: number;
  host?: string;
  since?: string;
  token?: string;
}

/** One look at a lock file: its text, parsed, and enough to know it again (the same file, unchanged). */
interface Seen {
  text: string;
  holder: Holder;
  ino: number;
  mtimeMs: number;
  ageMs: number;
}

/** A lock this process holds. */
export interface Held {
  lock: string;
  token: string;
}

/**
 * How to get a lock; `makeDir` recreates a missing directory (else a file whose directory is gone needs none).
 * `deadline` (epoch ms) ends the wait for a live holder then, if that comes before timing.waitMs is up, with a
 * LockDeadlineError: a synchronous wait holds up every timer, the step's own deadline timer included.
 */
export interface LockOptions {
  timing?: LockTiming;
  makeDir?: (dir: string) => void;
  deadline?: number | undefined;
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(SLEEPER, 0, 0, ms);
}

/**
 * Locks every file (each once, in one order for every process, so two steps never wait on each other) and
 * returns what unlocks them all. Throws LockTimeoutError when one stays held by a live process too long.
 */
export function lockFiles(files: string[], options: LockOptions = {}): () => void {
  const held: Held[] = [];
  const unlock = () => {
    for (const each of held.reverse()) release(each);
  };
  try {
    for (const file of [...new Set(files)].sort()) {
      const lock = acquire(file, options);
      if (lock) held.push(lock);
    }
  } catch (error) {
    unlock();
    throw error;
  }
  return unlock;
}

/** Takes the file's lock; undefined when the file's directory is gone and `makeDir` is not given. */
export function acquire(file: string, options: LockOptions = {}): Held | undefined {
  const { timing = LOCK_TIMING, makeDir, deadline = Number.POSITIVE_INFINITY } = options;
  const lock = lockPath(file);
  const token = uniqueSuffix();
  const started = Date.now();
  let remade = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const since = new Date().toISOString();
      const text = JSON.stringify({ pid: process.pid, host: os.hostname(), since, token });
      fs.writeFileSync(lock, text, { mode: 0o600, flag: 'wx' });
      return { lock, token };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && makeDir === undefined) return undefined;
      if (code === 'ENOENT' && makeDir !== undefined && remade++ < 3) {
        makeDir(path.dirname(lock)); // removed by a step that was cleaning up: made again
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    const seen = look(lock);
    if (seen === undefined) continue; // released meanwhile
    const stale = staleness(seen, timing);
    if (stale !== undefined && breakStale(lock, seen, timing)) continue;
    const now = Date.now();
    const waited = now - started;
    if (now >= deadline) {
      const message = timedOut({ file, lock, seen, waited, stale });
      throw new LockDeadlineError(file, holderOf(seen), message);
    }
    if (waited >= timing.waitMs) throw new LockTimeoutError(timedOut({ file, lock, seen, waited, stale }));
    // Holders keep a lock for milliseconds: poll soon, then less often, never in step with other waiters
    // (and never past the deadline).
    sleep(Math.min(Math.min(2 ** Math.min(attempt, 6), 50) * (0.5 + Math.random()), deadline - now));
  }
}

/** Removes the lock, unless it is no longer this process's (it was taken over as stale). */
export function release(held: Held): void {
  const seen = look(held.lock);
  if (seen?.holder.token === held.token) fs.rmSync(held.lock, { force: true });
}

/** The lock file as it is now; undefined when there is none. */
function look(lock: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(lock, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // One open file: its identity, age and text all of the same lock.
    const stat = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8');
    let holder: Holder = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) holder = parsed as Holder;
    } catch {
      // Empty (being written) or not ours: judged by age alone.
    }
    return { text, holder, ino: stat.ino, mtimeMs: stat.mtimeMs, ageMs: Date.now() - stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** Why a lock can be taken over, or undefined when its holder may still release it. */
export function staleness(seen: Seen, timing: LockTiming = LOCK_TIMING): string | undefined {
  const { holder, ageMs } = seen;
  if (ageMs > timing.staleMs) return `it is ${Math.round(ageMs / 1000)} s old`;
  if (typeof holder.pid !== 'number') return ageMs > EMPTY_GRACE_MS ? 'it names no process' : undefined;
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
 * Deletes a stale lock, but only the one that was judged: two waiters may judge the same lock stale, and the
 * first then takes a new one that the second must not delete. A second lock (the breaker) lets one waiter at
 * a time look again and delete; a breaker is held for microseconds, so one left behind is stale by its pid.
 * False when another live process holds the breaker (it is breaking the lock, or hung doing so).
 */
function breakStale(lock: string, judged: Seen, timing: LockTiming): boolean {
  const breaker = breakerPath(lock);
  try {
    fs.writeFileSync(breaker, JSON.stringify({ pid: process.pid, host: os.hostname() }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = look(breaker);
    if (other !== undefined && staleness(other, timing) === undefined) return false;
    fs.rmSync(breaker, { force: true });
    return true;
  }
  try {
    const now = look(lock);
    const same = now?.text === judged.text && now.ino === judged.ino && now.mtimeMs === judged.mtimeMs;
    if (same) fs.rmSync(lock, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
  return true;
}

export function breakerPath(lock: string): string {
  return `${lock}.break`;
}

/** Who a lock file says holds it: "process 1234 on host", or "another process". */
function holderOf({ holder: { pid, host } }: Seen): string {
  return typeof pid === 'number' ? `process ${pid}${host ? ` on ${host}` : ''}` : 'another process';
}

function timedOut(at: { file: string; lock: string; seen: Seen; waited: number; stale?: string }): string {
  const { file, lock, seen, waited, stale } = at;
  const since = seen.holder.since;
  const held = `${lock} is held by ${holderOf(seen)}${since ? ` since ${since}` : ''}; waited ${Math.round(waited / 1000)} s.`;
  if (stale !== undefined)
    return (
      `Could not lock ${file}: ${held} The lock is stale (${stale}), but ${breakerPath(lock)} is held by ` +
      `a process taking it over; if none is running, delete ${breakerPath(lock)}.`
    );
  return (
    `Could not lock ${file}: ${held} Another step or job using the same file may still be at work on it; ` +
    `if no such process is running, delete ${lock}.`
  );
}
