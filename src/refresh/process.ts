/**
 * The credential process, as a story: answer from the cache while it has more than 15 minutes left; else,
 * under the cache's lock (callers at once renew once), look again, renew, cache, answer. What it prints is
 * the credential_process JSON on stdout and nothing else; a failure is one plain sentence on stderr and a
 * non-zero exit. Its callers (the aws-cli, boto3, the SDKs) show stderr only when it fails, and a later step
 * shows it in the job log, where nothing of the credentials can be masked: so nothing of them reaches it.
 *
 * Only this file and store.ts load on a cache hit; renewal (and with it the AWS SDK) is a dynamic import.
 */
import type { Env } from '../names';
import { acquire, type LockTiming, release } from '../profile/lock';
import { explainRenewalFailure } from './failure';
import type { RenewSeams } from './renew';
import {
  credentialProcessJson,
  freshAnswer,
  pathsIn,
  readIfThere,
  readSettings,
  renewalLimitMs,
  type Settings,
  storeGone,
  writePrivate,
} from './store';

/** Where the process writes: its two streams. */
export interface Streams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The credential process's work for `args` (the store's directory); the exit status. */
export async function serveCredentials(
  args: string[],
  env: Env,
  world: Streams & { seams?: RenewSeams },
): Promise<number> {
  const paths = pathsIn(args[0] ?? '');
  let settings: Settings | undefined;
  /** Every secret the renewal handled (keys, tokens): none may be in the failure's sentence. */
  const secrets: string[] = [];
  try {
    const cached = freshAnswer(readIfThere(paths.cache), Date.now());
    if (cached !== undefined) {
      world.stdout(cached);
      return 0;
    }
    settings = readSettings(paths);
    // The lock is a file beside the cache (profile/lock.ts, as for the shared AWS files).
    const held = acquire(paths.cache, { timing: lockTiming(settings) }) ?? storeGone(paths);
    try {
      // Another caller may have renewed while this one waited.
      let answer = freshAnswer(readIfThere(paths.cache), Date.now());
      if (answer === undefined) {
        const { renew } = await import('./renew');
        answer = credentialProcessJson(await renew({ settings, paths, env, secrets, seams: world.seams }));
        writePrivate(paths.cache, answer);
      }
      world.stdout(answer);
      return 0;
    } finally {
      release(held);
    }
  } catch (error) {
    world.stderr(`${explainRenewalFailure({ profile: settings?.profile, error, secrets })}\n`);
    return 1;
  }
}

/**
 * A holder keeps the lock for one renewal, which ends (the process exits) within its limit: a lock older
 * than that, with a margin, is stale; a caller waits long enough to see it so.
 */
export function lockTiming({ config }: Settings): LockTiming {
  const limitMs = renewalLimitMs(config);
  return { staleMs: limitMs + 15_000, waitMs: limitMs + 20_000 };
}

/**
 * The credential process with the real streams: stdout carries the answer alone, whatever a library prints on
 * the way (@actions/core's token client writes `::add-mask::` and `::debug::` lines there); then it exits,
 * once both streams are out, so no SDK socket or timer holds the caller.
 */
export function runCredentialProcess(args: string[]): void {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout);
  stdout.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  }) as typeof stdout.write;
  const streams = {
    stdout: (text: string) => write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  void serveCredentials(args, process.env, streams).then((code) =>
    process.stderr.write('', () => write('', () => process.exit(code))),
  );
}
