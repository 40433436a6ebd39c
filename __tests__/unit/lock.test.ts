import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  acquire,
  breakerPath,
  LockDeadlineError,
  LockTimeoutError,
  lockFiles,
  lockPath,
  release,
} from '../../src/profile/lock';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A shared file's path in a new directory (the file itself need not exist). */
function sharedFile(): string {
  return path.join(fs.mkdtempSync(path.join(root, 'dir-')), 'credentials');
}

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;
const FAST = { waitMs: 300, staleMs: 60_000 };

/** A lock file as another step leaves it, `ageMs` old. */
function holdLock(file: string, holder: Record<string, unknown> | string, ageMs = 0): string {
  const lock = lockPath(file);
  fs.writeFileSync(lock, typeof holder === 'string' ? holder : JSON.stringify(holder));
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    fs.utimesSync(lock, then, then);
  }
  return fs.readFileSync(lock, 'utf8');
}

/** What acquire throws (or undefined when it gets the lock, which it then releases). */
function tryLock(file: string, timing = FAST): LockTimeoutError | undefined {
  try {
    const held = acquire(file, { timing });
    if (held) release(held);
    return undefined;
  } catch (error) {
    if (error instanceof LockTimeoutError) return error;
    throw error;
  }
}

test('the lock is a hidden file beside the shared one, naming this process; release removes it', () => {
  const file = sharedFile();
  expect(lockPath(file)).toBe(path.join(path.dirname(file), '.credentials.aws-credentials-gate.lock'));
  const held = acquire(file);
  expect(held?.lock).toBe(lockPath(file));
  const holder = JSON.parse(fs.readFileSync(lockPath(file), 'utf8'));
  expect(holder).toMatchObject({ pid: process.pid, host: os.hostname(), token: held?.token });
  if (held) release(held);
  expect(fs.readdirSync(path.dirname(file))).toEqual([]);
});

test('a second taker waits for the holder, then fails naming the lock and the holder', () => {
  const file = sharedFile();
  const held = acquire(file);
  const error = tryLock(file);
  expect(error).toBeInstanceOf(LockTimeoutError);
  expect(error?.message).toContain(
    `Could not lock ${file}: ${lockPath(file)} is held by process ${process.pid}`,
  );
  expect(error?.message).toContain('waited 0 s');
  expect(error?.message).toContain(`if no such process is running, delete ${lockPath(file)}`);
  // The holder's lock is untouched, and still releases.
  expect(JSON.parse(fs.readFileSync(lockPath(file), 'utf8')).token).toBe(held?.token);
  if (held) release(held);
  expect(tryLock(file)).toBeUndefined();
});

describe('a stale lock is taken over', () => {
  test.each<[string, (file: string) => void]>([
    ['left by a process that is gone', (file) => holdLock(file, { pid: deadPid(), host: os.hostname() })],
    [
      'older than any step holds one, whoever holds it',
      (file) => holdLock(file, { pid: process.pid, host: os.hostname() }, FAST.staleMs + 1000),
    ],
    ['empty, a while after it was made (its maker died writing it)', (file) => holdLock(file, '', 6000)],
    [
      'with a breaker left behind by a process that is gone',
      (file) => {
        holdLock(file, { pid: deadPid(), host: os.hostname() });
        fs.writeFileSync(
          breakerPath(lockPath(file)),
          JSON.stringify({ pid: deadPid(), host: os.hostname() }),
        );
      },
    ],
  ])('%s', (_name, leave) => {
    const file = sharedFile();
    leave(file);
    const held = acquire(file, { timing: FAST });
    expect(JSON.parse(fs.readFileSync(lockPath(file), 'utf8'))).toMatchObject({ pid: process.pid });
    if (held) release(held);
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });
});

describe('a lock that may still be released is waited for, and kept', () => {
  test.each<[string, Record<string, unknown> | string]>([
    ['held by a live process', { pid: process.pid, host: os.hostname() }],
    // Its pid cannot be checked from here: only its age tells.
    ['held by a process on another host', { pid: deadPid(), host: `not-${os.hostname()}` }],
    ['just made, still empty', ''],
  ])('%s', (_name, holder) => {
    const file = sharedFile();
    const before = holdLock(file, holder);
    expect(tryLock(file)).toBeInstanceOf(LockTimeoutError);
    expect(fs.readFileSync(lockPath(file), 'utf8')).toBe(before);
  });

  test('a stale lock whose breaker a live process holds (it is taking the lock over)', () => {
    const file = sharedFile();
    const before = holdLock(file, { pid: deadPid(), host: os.hostname() });
    fs.writeFileSync(breakerPath(lockPath(file)), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const error = tryLock(file);
    expect(error?.message).toContain('process');
    expect(error?.message).toContain(`is gone), but ${breakerPath(lockPath(file))} is held`);
    expect(fs.readFileSync(lockPath(file), 'utf8')).toBe(before);
  });
});

test('release leaves a lock that is no longer its own (taken over as stale meanwhile)', () => {
  const file = sharedFile();
  const held = acquire(file);
  const other = holdLock(file, { pid: process.pid, host: os.hostname(), token: 'someone-else' });
  if (held) release(held);
  expect(fs.readFileSync(lockPath(file), 'utf8')).toBe(other);
});

describe('lockFiles', () => {
  test('locks each file once and unlocks them all', () => {
    const a = sharedFile();
    const b = path.join(path.dirname(a), 'config');
    const unlock = lockFiles([b, a, b], { timing: FAST });
    expect(fs.readdirSync(path.dirname(a)).sort()).toEqual([
      '.config.aws-credentials-gate.lock',
      '.credentials.aws-credentials-gate.lock',
    ]);
    unlock();
    expect(fs.readdirSync(path.dirname(a))).toEqual([]);
  });

  test('when one lock cannot be had, releases those it took', () => {
    const a = sharedFile();
    const b = path.join(path.dirname(a), 'other');
    const held = acquire(b);
    expect(() => lockFiles([a, b], { timing: FAST })).toThrow(LockTimeoutError);
    expect(fs.readdirSync(path.dirname(a))).toEqual(['.other.aws-credentials-gate.lock']);
    if (held) release(held);
  });

  describe("with a deadline (the main step's action-timeout-s)", () => {
    /** What lockFiles throws for the config and credentials files of a directory whose credentials lock is held. */
    function blocked(options: { deadline: number; timing?: typeof FAST }) {
      const credentials = sharedFile();
      const config = path.join(path.dirname(credentials), 'config');
      const held = acquire(credentials);
      try {
        lockFiles([credentials, config], options)();
        return { credentials, error: undefined, left: [] };
      } catch (error) {
        return { credentials, error, left: fs.readdirSync(path.dirname(credentials)).sort() };
      } finally {
        if (held) release(held);
      }
    }

    test('a live holder is waited for until the deadline, not the whole bound; the locks taken are released', () => {
      // The bound is longer than the deadline: without the deadline the wait would end in a LockTimeoutError.
      const { credentials, error, left } = blocked({
        deadline: Date.now() + 100,
        timing: { waitMs: 1_500, staleMs: 60_000 },
      });
      expect(error).toBeInstanceOf(LockDeadlineError);
      expect(error).toMatchObject({
        file: credentials,
        holder: `process ${process.pid} on ${os.hostname()}`,
      });
      expect((error as Error).message).toContain(
        `Could not lock ${credentials}: ${lockPath(credentials)} is held`,
      );
      // The config file's lock (taken first) is released; the holder's is left to it.
      expect(left).toEqual(['.credentials.aws-credentials-gate.lock']);
    });

    test('a deadline later than the bound: the bound ends the wait, as without one', () => {
      const { error } = blocked({ deadline: Date.now() + 60_000, timing: FAST });
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(error).not.toBeInstanceOf(LockDeadlineError);
    });

    test('a deadline already past bounds only waiting: a free lock is taken, a stale one taken over', () => {
      const file = sharedFile();
      holdLock(file, { pid: deadPid(), host: os.hostname() });
      const unlock = lockFiles([file, path.join(path.dirname(file), 'config')], { deadline: Date.now() - 1 });
      expect(JSON.parse(fs.readFileSync(lockPath(file), 'utf8'))).toMatchObject({ pid: process.pid });
      unlock();
      expect(fs.readdirSync(path.dirname(file))).toEqual([]);
    });
  });

  test('a file whose directory is gone needs no lock; one to be written has it made', () => {
    const file = path.join(root, 'gone', 'credentials');
    lockFiles([file])();
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    const made: string[] = [];
    const unlock = lockFiles([file], {
      makeDir: (dir) => {
        fs.mkdirSync(dir);
        made.push(dir);
      },
    });
    expect(made).toEqual([path.dirname(file)]);
    expect(fs.existsSync(lockPath(file))).toBe(true);
    unlock();
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });
});
