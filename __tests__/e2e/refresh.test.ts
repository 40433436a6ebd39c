/**
 * refresh-credentials end to end, on the committed bundle against moto: the main step writes a profile whose
 * credential_process is the action again; later steps' tools (the aws-cli, boto3, the AWS SDK for JavaScript
 * v3) use it from another working directory; the process answers from its cache, renews once for many callers,
 * takes over a lock left by a killed process, fails in one sentence; the post step takes it all away.
 * The tools talk to moto directly; the credential process reaches STS through the counting proxy, so the
 * proxy's count is the process's requests alone.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KEYS, ROLE, scenariosAt } from '../fixtures/inputs';
import { seedBucket } from '../harness/aws';
import { stsError } from '../harness/proxy';
import { type Job, nodeBinary, ROOT } from '../harness/runner';
import {
  awsCli,
  BUCKET,
  boto3,
  credentialProcessLine,
  elsewhere,
  jsProcessProvider,
  jsSdk,
  laterStepEnv,
  runCredentialProcess,
  shown,
  storeDir,
  type ToolRun,
} from './later';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const PROFILE = 'aws-credentials-gate';
const ARN = 'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions';
const refreshing = () => ({ ...scenariosAt(stack.proxy.url).oidc, 'refresh-credentials': 'true' });
const stsRequests = () => stack.proxy.requests.filter((r) => r.params.Version === '2011-06-15');
const configFile = (job: Job) => path.join(job.dir, 'home', '.aws', 'config');
const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** The cache's lock: a file beside it, as profile/lock.ts names the lock of any file. */
const LOCK = '.credentials.json.aws-credentials-gate.lock';

beforeAll(() =>
  seedBucket(
    stack.moto.url,
    { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
    BUCKET,
    ['report.txt'],
  ),
);

/** The cached answer's keys. */
function cached(runnerTemp: string): { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } {
  return JSON.parse(fs.readFileSync(path.join(storeDir(runnerTemp), 'credentials.json'), 'utf8'));
}

/**
 * Makes the cache due, as it is once the credentials have 15 minutes or less left: its Expiration moved to 10
 * minutes from now (written whole, as the process writes it). The renewal then gets a full duration.
 */
function makeDue(runnerTemp: string): void {
  const file = path.join(storeDir(runnerTemp), 'credentials.json');
  const answer = JSON.parse(fs.readFileSync(file, 'utf8'));
  answer.Expiration = new Date(Date.now() + 10 * 60_000).toISOString();
  fs.writeFileSync(`${file}.new`, `${JSON.stringify(answer)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.new`, file);
}

/** The credential process's answer, parsed, after checking it is the documented JSON and nothing else. */
function answerOf(run: ToolRun) {
  if (run.code !== 0) throw new Error(`the credential process failed: ${shown(run)}`);
  expect(run.stderr).toBe('');
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trim().split('\n')).toHaveLength(1);
  const answer = JSON.parse(run.stdout);
  expect(Object.keys(answer).sort()).toEqual([
    'AccessKeyId',
    'Expiration',
    'SecretAccessKey',
    'SessionToken',
    'Version',
  ]);
  expect(answer.Version).toBe(1);
  return answer as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
}

/** One plain sentence on stderr, nothing on stdout, a non-zero exit; none of `secrets` anywhere. */
function expectOneSentence(run: ToolRun, secrets: (string | undefined)[]): string {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  const sentence = lines[0] ?? '';
  expect(sentence).toMatch(/^aws-credentials-gate could not renew the credentials of profile "[^"]+": .+\.$/);
  for (const secret of secrets) if (secret) expect(run.stderr).not.toContain(secret);
  return sentence;
}

describe('GitHub OIDC', () => {
  test('later steps elsewhere use the profile with the aws-cli, boto3 and the JS SDK v3; the first uses make no request', async () => {
    // RUNNER_TEMP with a space, a quote and a dollar: the command line is read back as written by every parser.
    const job = stack.job(stack.oidc.env);
    const runnerTemp = path.join(job.dir, "temp dir/it's $HOME");
    fs.mkdirSync(runnerTemp, { recursive: true });
    job.env.RUNNER_TEMP = runnerTemp;
    // Credentials an earlier step left would win over the profile, and cannot renew: cleared.
    job.env.AWS_ACCESS_KEY_ID = 'AKIAEARLIEREARLIER01';
    job.env.AWS_SECRET_ACCESS_KEY = 'earlier-secret';
    fs.mkdirSync(path.dirname(configFile(job)), { recursive: true });
    fs.writeFileSync(configFile(job), '[profile other]\nregion = us-east-2\n');

    const result = await job.main(refreshing());
    expectSuccess(result);
    expectNoLeaks(result, stack.oidc.issued.at(-1));
    expect(result.env).toEqual({
      AWS_PROFILE: PROFILE,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
    });
    expect(result.outputs['authenticated-arn']).toBe(ARN);
    expect(result.summary).toContain(`| Exported to later steps | yes: profile ${PROFILE} (renews itself) |`);
    expect(stsRequests().map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);

    // The profile: in the config file, beside the other one, naming node and the bundle by absolute path.
    const config = fs.readFileSync(configFile(job), 'utf8');
    expect(config.startsWith('[profile other]\nregion = us-east-2\n')).toBe(true);
    expect(config).toContain(`[profile ${PROFILE}]\nregion = eu-west-1\ncredential_process = `);
    expect(fs.existsSync(path.join(job.dir, 'home', '.aws', 'credentials'))).toBe(false);
    const line = credentialProcessLine(configFile(job), PROFILE);
    const store = storeDir(runnerTemp);
    expect(line).toBe(
      [nodeBinary(), path.join(ROOT, 'dist', 'main', 'index.js'), 'credential-process', store]
        .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
        .join(' '),
    );
    expect(mode(store)).toBe(0o700);
    expect(mode(path.join(store, 'credentials.json'))).toBe(0o600);
    expect(fs.existsSync(path.join(store, 'keys.json'))).toBe(false);
    // Nothing of the OIDC request is kept: the process reads it from the step that runs it.
    for (const file of fs.readdirSync(store))
      expect(fs.readFileSync(path.join(store, file), 'utf8')).not.toContain(
        stack.oidc.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      );

    stack.proxy.clear();
    const oidcBefore = stack.oidc.requests.length;
    const env = laterStepEnv(job);
    const cwd = elsewhere(job.dir);
    for (const tool of [awsCli, boto3, jsSdk]) {
      const run = await tool(stack.moto.url, env, cwd);
      if (run.code !== 0) throw new Error(`${tool.name} failed: ${shown(run)}`);
      expect({ tool: tool.name, ...JSON.parse(run.stdout) }).toEqual({
        tool: tool.name,
        arn: ARN,
        keys: ['report.txt'],
      });
    }
    // The cache seeded by the main step answered them all.
    expect(stack.proxy.requests).toEqual([]);
    expect(stack.oidc.requests.length).toBe(oidcBefore);

    // What the process prints: the documented JSON, the main step's credentials, and nothing else.
    const answer = answerOf(await runCredentialProcess(line, env, cwd));
    expect(answer.AccessKeyId).toBe(cached(runnerTemp).AccessKeyId);
  }, 180_000);

  test('20 callers at once on a cache that is due make one STS request and get the same new keys', async () => {
    const job = stack.job(stack.oidc.env);
    expectSuccess(await job.main(refreshing()));
    const seeded = cached(laterStepEnv(job).RUNNER_TEMP ?? '');
    makeDue(laterStepEnv(job).RUNNER_TEMP ?? '');
    stack.proxy.clear();
    const oidcBefore = stack.oidc.requests.length;
    const env = laterStepEnv(job);
    const line = credentialProcessLine(configFile(job), PROFILE);

    const runs = await Promise.all(
      Array.from({ length: 20 }, () => runCredentialProcess(line, env, elsewhere(job.dir))),
    );
    const answers = runs.map(answerOf);
    expect(stsRequests().map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(stack.oidc.requests.length - oidcBefore).toBe(1);
    expect(new Set(answers.map((a) => a.AccessKeyId)).size).toBe(1);
    expect(answers[0]?.AccessKeyId).not.toBe(seeded.AccessKeyId);
    // The cache is whole, and is what they were given.
    expect(cached(env.RUNNER_TEMP ?? '').AccessKeyId).toBe(answers[0]?.AccessKeyId);
    expect(fs.readdirSync(storeDir(env.RUNNER_TEMP ?? '')).sort()).toEqual([
      'credentials.json',
      'settings.json',
    ]);
  }, 180_000);

  test('a lock left by a killed process does not block: the next caller takes it over and renews', async () => {
    const job = stack.job(stack.oidc.env);
    expectSuccess(await job.main(refreshing()));
    const env = laterStepEnv(job);
    const store = storeDir(env.RUNNER_TEMP ?? '');
    makeDue(env.RUNNER_TEMP ?? '');
    // A holder killed mid-renewal: its lock names a process that is gone.
    const holder = spawn(nodeBinary(), ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const lock = (pid: number | undefined, host: string) =>
      JSON.stringify({ pid, host, since: new Date().toISOString(), token: 'killed' });
    fs.writeFileSync(path.join(store, LOCK), lock(holder.pid, os.hostname()));
    await new Promise((resolve) => {
      holder.once('exit', resolve);
      holder.kill('SIGKILL');
    });
    stack.proxy.clear();
    const line = credentialProcessLine(configFile(job), PROFILE);
    answerOf(await runCredentialProcess(line, env, elsewhere(job.dir)));
    expect(stsRequests()).toHaveLength(1);
    expect(fs.existsSync(path.join(store, LOCK))).toBe(false);

    // A holder on another host (its pid cannot be checked) whose lock is older than any renewal lasts.
    const job2 = stack.job(stack.oidc.env);
    expectSuccess(await job2.main({ ...refreshing(), 'action-timeout-s': '5' }));
    const env2 = laterStepEnv(job2);
    const store2 = storeDir(env2.RUNNER_TEMP ?? '');
    makeDue(env2.RUNNER_TEMP ?? '');
    const old = path.join(store2, LOCK);
    fs.writeFileSync(old, lock(process.pid, 'another-host'));
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    stack.proxy.clear();
    answerOf(
      await runCredentialProcess(credentialProcessLine(configFile(job2), PROFILE), env2, elsewhere(job2.dir)),
    );
    expect(stsRequests()).toHaveLength(1);
  }, 180_000);
});

describe('keys -> AssumeRole', () => {
  test('the key file is 0600 outside the workspace, signs each renewal, and is gone after the post step', async () => {
    const job = stack.job();
    const inputs = {
      ...scenariosAt(stack.proxy.url).keysAndRole,
      'refresh-credentials': 'true',
      'aws-profile': 'deploy',
    };
    const result = await job.main(inputs);
    expectSuccess(result);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    const env = laterStepEnv(job);
    const store = storeDir(env.RUNNER_TEMP ?? '');
    const keyFile = path.join(store, 'keys.json');
    expect(mode(keyFile)).toBe(0o600);
    expect(path.relative(env.GITHUB_WORKSPACE ?? '', keyFile).startsWith('..')).toBe(true);
    expect(JSON.parse(fs.readFileSync(keyFile, 'utf8')).secretAccessKey).toBe(KEYS['aws-secret-access-key']);

    makeDue(env.RUNNER_TEMP ?? '');
    stack.proxy.clear();
    const run = await awsCli(stack.moto.url, env, elsewhere(job.dir));
    if (run.code !== 0) throw new Error(shown(run));
    expect(JSON.parse(run.stdout).arn).toBe(ARN);
    // Renewed once (the aws-cli's second command found the new credentials cached), signed with the keys given.
    expect(stsRequests().map((r) => r.operation)).toEqual(['AssumeRole']);
    expect(String(stsRequests()[0]?.headers.authorization)).toContain(
      `Credential=${KEYS['aws-access-key-id']}/`,
    );

    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(fs.existsSync(store)).toBe(false);
    expect(fs.existsSync(configFile(job))).toBe(false);
    // Not set before: as near to unset as a step can make it, a name with no profile (profile/stand-in.ts).
    expect(job.visibleEnv().AWS_PROFILE).toBe('aws-credentials-gate-env');
  }, 180_000);
});

describe('failures: one sentence, no secret, the profile named', () => {
  /** A job whose credentials are due, and the env of a later step. */
  async function dueJob(proxyUrl = stack.proxy.url) {
    const job = stack.job(stack.oidc.env);
    const inputs = { ...scenariosAt(proxyUrl).oidc, 'refresh-credentials': 'true', 'aws-profile': 'ci' };
    expectSuccess(await job.main({ ...inputs, 'role-duration-seconds': '900' }));
    const env = laterStepEnv(job);
    const secrets = [
      ...Object.values(cached(env.RUNNER_TEMP ?? '')).filter((value) => typeof value === 'string'),
      stack.oidc.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      ...stack.oidc.issued,
    ];
    return { job, env, line: credentialProcessLine(configFile(job), 'ci'), secrets };
  }

  test('the OIDC request variables are gone from the calling step', async () => {
    const { job, env, line, secrets } = await dueJob();
    stack.proxy.clear();
    const oidcBefore = stack.oidc.requests.length;
    const stripped = Object.fromEntries(
      Object.entries(env).filter(([name]) => !name.startsWith('ACTIONS_ID_TOKEN_REQUEST_')),
    );
    const sentence = expectOneSentence(
      await runCredentialProcess(line, stripped, elsewhere(job.dir)),
      secrets,
    );
    expect(sentence).toContain('profile "ci"');
    expect(sentence).toContain('ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set');
    expect(stack.proxy.requests).toEqual([]);
    expect(stack.oidc.requests.length).toBe(oidcBefore);

    // botocore's error (the aws-cli, boto3) and the JS SDK's process provider carry the sentence, and so name
    // the profile. (The JS SDK's default chain ends every failure with "Could not load credentials from any
    // providers", whatever the provider said.)
    for (const tool of [awsCli, boto3, jsSdk, jsProcessProvider]) {
      const run = await tool(stack.moto.url, stripped, elsewhere(job.dir));
      expect(run.code).not.toBe(0);
      if (tool !== jsSdk) expect(run.stderr).toContain('could not renew the credentials of profile "ci"');
      for (const secret of secrets) if (secret) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
    }
  }, 180_000);

  test('the role now refuses: the main step’s explanation, with the token’s claims', async () => {
    const { job, env, line, secrets } = await dueJob();
    stack.proxy.clear();
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRoleWithWebIdentity'
        ? {
            status: 403,
            body: stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
          }
        : undefined;
    const run = await runCredentialProcess(line, env, elsewhere(job.dir));
    const sentence = expectOneSentence(run, [...secrets, ...stack.oidc.issued]);
    expect(sentence).toContain(`AssumeRoleWithWebIdentity refused for ${ROLE}`);
    expect(sentence).toContain('sub "repo:octo-org/octo-repo:ref:refs/heads/main"');
    expect(sentence).toContain('AWS said: Not authorized to perform sts:AssumeRoleWithWebIdentity.');
    expect(stsRequests()).toHaveLength(1);
  }, 180_000);

  test('STS is unreachable', async () => {
    // A proxy of its own, closed once the main step is done: nothing listens at the endpoint any more.
    const { startProxy } = require('../harness/proxy') as typeof import('../harness/proxy');
    const gone = await startProxy(stack.moto.url);
    const { job, env, line, secrets } = await dueJob(gone.url);
    await gone.close();
    const sentence = expectOneSentence(await runCredentialProcess(line, env, elsewhere(job.dir)), secrets);
    expect(sentence).toContain('STS AssumeRoleWithWebIdentity failed');
    expect(sentence).toContain('ECONNREFUSED');
  }, 180_000);
});

describe('the profile and the post step', () => {
  test('an existing profile is refused before any request unless overwrite-aws-profile; the post step puts it back', async () => {
    const job = stack.job(stack.oidc.env);
    const aws = path.join(job.dir, 'home', '.aws');
    fs.mkdirSync(aws, { recursive: true });
    const oldConfig = '[profile ci]\nregion = us-west-2\n';
    const oldCredentials =
      '[ci]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old-profile-secret\n';
    fs.writeFileSync(path.join(aws, 'config'), oldConfig, { mode: 0o600 });
    fs.writeFileSync(path.join(aws, 'credentials'), oldCredentials, { mode: 0o600 });
    job.env.AWS_PROFILE = 'earlier';

    const refused = await job.main({ ...refreshing(), 'aws-profile': 'ci' });
    expect(expectFailure(refused)).toContain('overwrite-aws-profile');
    expect(stack.proxy.requests).toEqual([]);
    const runnerTemp = laterStepEnv(job).RUNNER_TEMP ?? '';
    expect(fs.readdirSync(runnerTemp).filter((f) => f.startsWith('aws-credentials-gate-refresh'))).toEqual(
      [],
    );

    const replaced = await job.main({
      ...refreshing(),
      'aws-profile': 'ci',
      'overwrite-aws-profile': 'true',
    });
    expectSuccess(replaced);
    expectNoLeaks(replaced, 'old-profile-secret', 'AKIAOLDOLDOLDOLDOLD1');
    // The old keys would win over credential_process: their section is emptied until the post step.
    expect(fs.readFileSync(path.join(aws, 'credentials'), 'utf8')).toBe('[ci]\n');
    const env = laterStepEnv(job);
    expect(env.AWS_PROFILE).toBe('ci');
    const run = await boto3(stack.moto.url, env, elsewhere(job.dir));
    if (run.code !== 0) throw new Error(shown(run));
    expect(JSON.parse(run.stdout).arn).toBe(ARN);
    const store = storeDir(env.RUNNER_TEMP ?? '');

    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(post.stdout).toContain('Put back the earlier profile ci.');
    expect(fs.readFileSync(path.join(aws, 'config'), 'utf8')).toBe(oldConfig);
    expect(fs.readFileSync(path.join(aws, 'credentials'), 'utf8')).toBe(oldCredentials);
    expect(fs.existsSync(store)).toBe(false);
    expect(
      fs.readdirSync(env.RUNNER_TEMP ?? '').filter((f) => f.startsWith('aws-credentials-gate-refresh')),
    ).toEqual([]);
    expect(job.visibleEnv().AWS_PROFILE).toBe('earlier');
  }, 180_000);

  test('the post step removes the profile, the cache and a lock left behind', async () => {
    const job = stack.job(stack.oidc.env);
    expectSuccess(await job.main(refreshing()));
    const env = laterStepEnv(job);
    const store = storeDir(env.RUNNER_TEMP ?? '');
    fs.writeFileSync(path.join(store, LOCK), JSON.stringify({ pid: 1, token: 'left' }));
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(fs.existsSync(store)).toBe(false);
    expect(fs.existsSync(configFile(job))).toBe(false);
    // The profile is gone for later steps too: the SDK says so, naming it.
    const after = await awsCli(
      stack.moto.url,
      laterStepEnv(job, { AWS_PROFILE: PROFILE }),
      elsewhere(job.dir),
    );
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain(PROFILE);
  }, 180_000);
});
