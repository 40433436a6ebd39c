/**
 * Many steps writing profiles into one shared ~/.aws at once (self-hosted runners whose jobs share a user):
 * the committed bundles, 20 main steps together and then their 20 post steps together, against moto.
 * No profile may be lost, and the post steps must leave the files exactly as they found them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { callerIdentity } from '../harness/aws';
import type { Job } from '../harness/runner';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const STEPS = 20;
const inputs = (profile: string) => ({
  'aws-region': 'eu-west-1',
  'sts-endpoint': stack.proxy.url,
  ...KEYS,
  'role-to-assume': ROLE,
  'role-session-name': `session-${profile}`,
  'aws-profile': profile,
});

/** A home directory every job of a test shares, as jobs of one user on a self-hosted runner do. */
function sharedHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-home-'));
  homes.push(home);
  return home;
}
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** Every entry under a directory (hidden ones too), with the mode of each file. */
function snapshot(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const entries: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const full = path.join(dir, name);
    const stat = fs.statSync(full);
    entries[name] = stat.isDirectory()
      ? `dir ${(stat.mode & 0o777).toString(8)}`
      : `${(stat.mode & 0o777).toString(8)} ${fs.readFileSync(full, 'utf8')}`;
  }
  return entries;
}

/** The section names in an ini file, in order, duplicates kept. */
const sectionNames = (text: string) => [...text.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);

/** The keys of one profile section of a credentials file. */
function profileKeys(text: string, profile: string) {
  const section = text.split(/^(?=\[)/m).find((s) => s.startsWith(`[${profile}]\n`)) ?? '';
  const value = (key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(section)?.[1] ?? '';
  return {
    accessKeyId: value('aws_access_key_id'),
    secretAccessKey: value('aws_secret_access_key'),
    sessionToken: value('aws_session_token'),
  };
}

const profiles = Array.from({ length: STEPS }, (_, i) => `p${i}`);

/** Runs the 20 main steps at once, then checks both files hold every profile, each its own session's. */
async function runMains(home: string): Promise<Job[]> {
  const jobs = profiles.map(() => stack.job({ HOME: home }));
  const results = await Promise.all(jobs.map((job, i) => job.main(inputs(profiles[i] ?? ''))));
  results.forEach((result, i) => {
    expectSuccess(result);
    expect(result.env.AWS_PROFILE).toBe(profiles[i]);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });
  // Every step asked for its own session (a count would also count retries of a slow, loaded moto).
  const sessions = stack.proxy.requests
    .filter((r) => r.operation === 'AssumeRole')
    .map((r) => r.params.RoleSessionName);
  expect([...new Set(sessions)].sort()).toEqual(profiles.map((p) => `session-${p}`).sort());

  const credentials = fs.readFileSync(path.join(home, '.aws', 'credentials'), 'utf8');
  const config = fs.readFileSync(path.join(home, '.aws', 'config'), 'utf8');
  expect(
    sectionNames(credentials)
      .filter((name) => name?.startsWith('p'))
      .sort(),
  ).toEqual([...profiles].sort());
  expect(
    sectionNames(config)
      .filter((name) => name?.startsWith('profile '))
      .sort(),
  ).toEqual(profiles.map((p) => `profile ${p}`).sort());
  for (const profile of profiles)
    expect(config).toMatch(new RegExp(`^\\[profile ${profile}\\]\\nregion = eu-west-1$`, 'm'));
  // Each profile holds its own step's session (no keys of one step under another's name).
  const arns = await Promise.all(
    profiles.map(
      async (profile) => (await callerIdentity(stack.moto.url, profileKeys(credentials, profile))).Arn,
    ),
  );
  expect(arns).toEqual(profiles.map((p) => `arn:aws:sts::123456789012:assumed-role/deploy/session-${p}`));
  // While they hold session keys the files are readable by their owner only.
  expect(mode(path.join(home, '.aws', 'credentials'))).toBe(0o600);
  expect(mode(path.join(home, '.aws', 'config'))).toBe(0o600);
  expect(fs.readdirSync(path.join(home, '.aws')).filter((name) => /lock|tmp/.test(name))).toEqual([]);
  return jobs;
}

/** Runs the post steps of the jobs at once; each succeeds without a warning. */
async function runPosts(jobs: Job[]): Promise<void> {
  const posts = await Promise.all(jobs.map((job) => job.post()));
  for (const post of posts) {
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
  }
}

describe('20 steps writing profiles into one ~/.aws at once', () => {
  test('shared files that existed (0644, with a profile of their own) are put back exactly', async () => {
    const home = sharedHome();
    const awsDir = path.join(home, '.aws');
    fs.mkdirSync(awsDir, { mode: 0o755 });
    fs.chmodSync(awsDir, 0o755);
    const credentials = path.join(awsDir, 'credentials');
    fs.writeFileSync(
      credentials,
      '[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = keep\n',
    );
    fs.chmodSync(credentials, 0o644);
    const before = snapshot(awsDir);

    await runPosts(await runMains(home));
    expect(snapshot(awsDir)).toEqual(before);
  }, 240_000);

  test('in a home without ~/.aws, the files and directory the steps created are all gone after', async () => {
    const home = sharedHome();
    await runPosts(await runMains(home));
    expect(fs.readdirSync(home)).toEqual([]);
  }, 240_000);
});

describe('a lock on the shared files', () => {
  const lockOf = (home: string) => path.join(home, '.aws', '.credentials.aws-credentials-gate.lock');
  /** A lock as a step leaves it, held by `pid`. */
  const holdLock = (home: string, pid: number) => {
    fs.mkdirSync(path.join(home, '.aws'), { recursive: true });
    fs.writeFileSync(
      lockOf(home),
      JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString(), token: `held-${pid}` }),
    );
  };

  test('left by a process that was killed is taken over, and the step writes its profile', async () => {
    const home = sharedHome();
    // The pid of a process that has exited: its lock can never be released by it.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    holdLock(home, dead);
    const job = stack.job({ HOME: home });
    const result = await job.main(inputs('ci'));
    expectSuccess(result);
    expect(result.env.AWS_PROFILE).toBe('ci');
    expect(fs.readFileSync(path.join(home, '.aws', 'credentials'), 'utf8')).toContain('[ci]');
    expect(fs.existsSync(lockOf(home))).toBe(false);

    await runPosts([job]);
    expect(fs.readdirSync(path.join(home, '.aws'))).toEqual([]);
  }, 60_000);

  test('held by a live process past the wait bound fails the step clearly, with nothing exported', async () => {
    const home = sharedHome();
    // This test's own process: alive for as long as the step waits.
    holdLock(home, process.pid);
    const lock = fs.readFileSync(lockOf(home), 'utf8');
    const job = stack.job({ HOME: home });
    const result = await job.main(inputs('ci'));
    const message = expectFailure(result);
    expect(message).toContain(lockOf(home));
    expect(message).toContain(`process ${process.pid}`);
    expect(message).toMatch(/waited \d+ s/);
    expect(result.env).toEqual({});
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    // The live process's lock is left alone, and nothing was written.
    expect(fs.readFileSync(lockOf(home), 'utf8')).toBe(lock);
    expect(fs.readdirSync(path.join(home, '.aws'))).toEqual(['.credentials.aws-credentials-gate.lock']);
    // Its post step has nothing to undo.
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
  }, 60_000);

  test('held by a live process past action-timeout-s: the wait ends at the deadline, not the bound', async () => {
    const home = sharedHome();
    holdLock(home, process.pid);
    const credentials = path.join(home, '.aws', 'credentials');
    fs.writeFileSync(credentials, '[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n', { mode: 0o644 });
    const before = snapshot(path.join(home, '.aws'));
    const job = stack.job({ HOME: home });
    const result = await job.main({ ...inputs('ci'), 'action-timeout-s': '2' });
    // The step's deadline ended the wait (not the lock's 10 s bound, which says "Could not lock ...").
    expect(expectFailure(result)).toBe(
      `action-timeout-s: the step did not finish within 2 s (it was waiting for the lock on ${credentials}, ` +
        `held by process ${process.pid} on ${os.hostname()}); no credentials were exported.`,
    );
    expect(result.env).toEqual({});
    expect(result.outputs).toEqual({});
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    expect(snapshot(path.join(home, '.aws'))).toEqual(before);
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(snapshot(path.join(home, '.aws'))).toEqual(before);
  }, 60_000);
});
