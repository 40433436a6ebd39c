/**
 * What later steps' AWS clients resolve to while uses of this action come and go in one job: the aws-cli,
 * boto3 and the AWS SDK for JavaScript v3 must agree after every main step and every post step (run in
 * reverse order, as GitHub runs them), AWS_PROFILE must never be left empty (botocore then fails with
 * "The config profile () could not be found"), and the shared files must end as they began.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { callerIdentity } from '../harness/aws';
import { type Job, ROOT, runChild, type StepResult } from '../harness/runner';
import { expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const STAND_IN = 'aws-credentials-gate-env';
const sessionArn = (session: string) => `arn:aws:sts::123456789012:assumed-role/deploy/${session}`;

/** A use of the action: one that writes a profile (aws-profile), or one that exports env credentials. */
type Use = 'profile' | 'env';

function inputsFor(use: Use, n: number): Record<string, string> {
  const inputs = {
    'aws-region': 'eu-west-1',
    'sts-endpoint': stack.proxy.url,
    ...KEYS,
    'role-to-assume': ROLE,
    'role-session-name': `use${n}`,
  };
  return use === 'profile' ? { ...inputs, 'aws-profile': `p${n}` } : inputs;
}

/** Each client's answer to GetCallerIdentity in a later step: the ARN, or null when it finds no credentials. */
interface Seen {
  cli: string | null;
  boto3: string | null;
  js: string | null;
}

/** A later `run:` step: the job's AWS_* variables as they are now (empty ones stay set, empty), and its HOME. */
function laterStepEnv(job: Job): Record<string, string> {
  const aws = Object.entries(job.visibleEnv()).filter(([name]) => name.startsWith('AWS_'));
  return {
    PATH: process.env.PATH ?? '',
    HOME: path.join(job.dir, 'home'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(Object.fromEntries(aws) as Record<string, string>),
  };
}

/** The three clients, run as a later step would run them (region given, so only credentials differ). */
async function seenBy(job: Job): Promise<Seen> {
  const env = laterStepEnv(job);
  const endpoint = stack.moto.url;
  const js =
    "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');" +
    "new STSClient({ endpoint: process.argv[1], region: 'us-east-1', maxAttempts: 1 })" +
    '.send(new GetCallerIdentityCommand({}))' +
    '.then((r) => console.log(r.Arn), (e) => { console.error(e.message); process.exit(1); });';
  const boto =
    'import boto3, sys\n' +
    's = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1")\n' +
    'print(s.get_caller_identity()["Arn"])';
  const cli = ['sts', 'get-caller-identity', '--endpoint-url', endpoint, '--region', 'us-east-1'];
  const options = { env, cwd: ROOT, timeoutMs: 30_000 };
  const runs = await Promise.all([
    runChild('aws', [...cli, '--query', 'Arn', '--output', 'text'], options),
    runChild('python3', ['-c', boto, endpoint], options),
    runChild(process.execPath, ['-e', js, endpoint], options),
  ]);
  const [cliRun, botoRun, jsRun] = runs.map((run) => (run.code === 0 ? run.stdout.trim() : null));
  return { cli: cliRun ?? null, boto3: botoRun ?? null, js: jsRun ?? null };
}

/** Every client resolves to `arn` (null: to no credentials at all), and AWS_PROFILE is not left empty. */
async function expectLaterSteps(job: Job, arn: string | null, when: string): Promise<void> {
  const seen = await seenBy(job);
  expect({ when, ...seen }).toEqual({ when, cli: arn, boto3: arn, js: arn });
  expect({ when, AWS_PROFILE: job.visibleEnv().AWS_PROFILE }).not.toEqual({ when, AWS_PROFILE: '' });
}

/** Every file and directory under ~/.aws, with its mode and content. */
function snapshot(job: Job): Record<string, string> {
  const awsDir = path.join(job.dir, 'home', '.aws');
  const found: Record<string, string> = {};
  const walk = (at: string) => {
    if (!fs.existsSync(at)) return;
    const stat = fs.statSync(at);
    const mode = (stat.mode & 0o777).toString(8);
    if (stat.isDirectory()) {
      found[at] = `dir ${mode}`;
      for (const entry of fs.readdirSync(at)) walk(path.join(at, entry));
    } else found[at] = `${mode} ${fs.readFileSync(at, 'utf8')}`;
  };
  walk(awsDir);
  return found;
}

/**
 * Runs the uses' main steps in order, then their post steps in reverse; after each post step later steps
 * must see what they saw before that use's main step. `before`: what they see before the first use.
 */
async function runJob(job: Job, uses: Use[], before: string | null): Promise<void> {
  const files = snapshot(job);
  await expectLaterSteps(job, before, 'before the job');
  const mains: StepResult[] = [];
  const seenAfter: (string | null)[] = [before];
  for (const [i, use] of uses.entries()) {
    const result = await job.main(inputsFor(use, i + 1));
    expectSuccess(result);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    expect(result.env.AWS_PROFILE).not.toBe('');
    mains.push(result);
    seenAfter.push(sessionArn(`use${i + 1}`));
    await expectLaterSteps(job, sessionArn(`use${i + 1}`), `after use ${i + 1} (${use})`);
  }
  for (let i = uses.length - 1; i >= 0; i--) {
    job.state = mains[i]?.state ?? {};
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expectNoLeaks(post);
    expect(post.env.AWS_PROFILE).not.toBe('');
    await expectLaterSteps(job, seenAfter[i] ?? null, `after the post step of use ${i + 1}`);
  }
  expect(snapshot(job)).toEqual(files);
  expect(fs.readdirSync(path.join(job.dir, 'temp')).filter((f) => f.endsWith('.json'))).toEqual([]);
}

describe('two or more uses in one job: every client in a later step resolves to the intended identity', () => {
  test.each<[string, Use[]]>([
    ['a use with aws-profile, then one exporting env credentials', ['profile', 'env']],
    ['a use exporting env credentials, then one with aws-profile', ['env', 'profile']],
    ['aws-profile, then two exporting env credentials', ['profile', 'env', 'env']],
    ['two exporting env credentials, then aws-profile', ['env', 'env', 'profile']],
  ])(
    '%s; post steps in reverse order',
    async (_name, uses) => {
      await runJob(stack.job(), uses, null);
    },
    180_000,
  );

  test("with the runner's own default profile: after the last post step, that is what clients find", async () => {
    const job = stack.job();
    const awsDir = path.join(job.dir, 'home', '.aws');
    fs.mkdirSync(awsDir, { mode: 0o700 });
    const runnerKeys = {
      accessKeyId: KEYS['aws-access-key-id'],
      secretAccessKey: KEYS['aws-secret-access-key'],
    };
    fs.writeFileSync(
      path.join(awsDir, 'credentials'),
      `[default]\naws_access_key_id = ${runnerKeys.accessKeyId}\naws_secret_access_key = ${runnerKeys.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const runner = (await callerIdentity(stack.moto.url, runnerKeys)).Arn ?? '';
    expect(runner).toMatch(/:user\//);
    await runJob(job, ['profile', 'env'], runner);
    expect(job.visibleEnv().AWS_PROFILE).toBe('default');
  }, 180_000);

  test('with AWS_PROFILE set for the whole job: env credentials win in every client, then it is back', async () => {
    const job = stack.job({ AWS_PROFILE: 'runner' });
    const awsDir = path.join(job.dir, 'home', '.aws');
    fs.mkdirSync(awsDir, { mode: 0o700 });
    const runnerKeys = {
      accessKeyId: KEYS['aws-access-key-id'],
      secretAccessKey: KEYS['aws-secret-access-key'],
    };
    fs.writeFileSync(
      path.join(awsDir, 'credentials'),
      `[runner]\naws_access_key_id = ${runnerKeys.accessKeyId}\naws_secret_access_key = ${runnerKeys.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const runner = (await callerIdentity(stack.moto.url, runnerKeys)).Arn ?? '';
    await runJob(job, ['env'], runner);
    expect(job.visibleEnv().AWS_PROFILE).toBe('runner');
  }, 180_000);

  test('a single use with aws-profile: after its post step AWS_PROFILE names no profile, and is not empty', async () => {
    const job = stack.job();
    await runJob(job, ['profile'], null);
    expect(job.visibleEnv().AWS_PROFILE).toBe(STAND_IN);
  }, 180_000);

  test('a stand-in profile that cannot be written is refused before any request, saying why', async () => {
    const job = stack.job({ AWS_PROFILE: 'runner' });
    const target = path.join(job.dir, 'elsewhere');
    fs.writeFileSync(target, '[runner]\n');
    const link = path.join(job.dir, 'link');
    fs.symlinkSync(target, link);
    const result = await job.main(inputsFor('env', 1), { AWS_SHARED_CREDENTIALS_FILE: link });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain(`AWS_PROFILE names profile ${STAND_IN}`);
    expect(result.errors[0]).toContain('symbolic link');
    expect(result.env).toEqual({});
    expect(stack.proxy.requests).toEqual([]);
    expect(fs.readFileSync(target, 'utf8')).toBe('[runner]\n');
  });
});
