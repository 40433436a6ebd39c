/**
 * The command line (the committed dist/cli bundle, as `npx aws-credentials-gate` runs it) against moto
 * behind the counting proxy: the seeds' three flows with -b, listing what boto3 lists; the credentials
 * given to `sh` (--export), to a command (-- COMMAND) and to the aws-cli (--json as a credential_process);
 * bad usage refused without a request; refusals explained. No secret reaches stderr or the report, and
 * every child stays on 127.0.0.1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allow, bootstrapAdmin, iamSeeder, seedBucket } from '../harness/aws';
import { CLI, childEnv, childEnvs, removeChildDirs, runCli, runProgram } from '../harness/cli';
import { stsError, xmlValue } from '../harness/proxy';
import { nodeBinary } from '../harness/runner';
import { useStack } from './stack';

const stack = useStack();
afterAll(() => removeChildDirs());
const BUCKET = 'site';
/**
 * More than the 50 listed by default. Plain names: moto, when enforcing IAM, miscomputes the signature of
 * an S3 request whose path holds a space or non-ASCII characters (as gate.test.ts notes for '/' in a query).
 */
const OBJECTS = [
  ...Array.from({ length: 56 }, (_, i) => `pages/page-${String(i).padStart(2, '0')}.html`),
  'assets/app.js',
  'a-first.txt',
  'z_last.txt',
];

type Keys = { accessKeyId: string; secretAccessKey: string; arn: string };
let admin: { accessKeyId: string; secretAccessKey: string };
let dev: Keys;
let deploy: string; // trusts dev; may list the site bucket
let locked: string; // trusts someone else
let short: string; // trusts dev; MaxSessionDuration 3600

beforeAll(async () => {
  admin = await bootstrapAdmin(stack.moto);
  const seed = iamSeeder(stack.moto.url, admin);
  dev = await seed.user('dev', allow(['sts:*', 'iam:GetRole'], '*'));
  const list = allow(
    ['s3:ListBucket', 's3:GetObject'],
    [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
  );
  deploy = await seed.role('deploy', [dev.arn], { policy: list });
  locked = await seed.role('locked', ['arn:aws:iam::123456789012:user/someone-else']);
  short = await seed.role('short', [dev.arn], { maxSessionDuration: 3600, policy: list });
  seed.close();
  await seedBucket(stack.moto.url, admin, BUCKET, OBJECTS);
  await seedBucket(stack.moto.url, admin, 'private', ['secret.txt']);
}, 120_000);

/** A terminal's environment: dev's keys in the standard variables, AWS (all services) at the proxy. */
function terminal(more: Record<string, string | undefined> = {}): Record<string, string> {
  return childEnv({
    AWS_ACCESS_KEY_ID: dev.accessKeyId,
    AWS_SECRET_ACCESS_KEY: dev.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: stack.proxy.url,
    ...more,
  });
}

/** What boto3 lists in the bucket (first 50 keys), as `key => etag` lines. */
async function boto3Listing(prefix = ''): Promise<string[]> {
  const script = [
    'import boto3, json, os',
    'from botocore.config import Config',
    "s3 = boto3.client('s3', endpoint_url=os.environ['MOTO'], region_name='us-east-1',",
    "  aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'],",
    "  config=Config(s3={'addressing_style': 'path'}))",
    "kwargs = {'Prefix': os.environ['PREFIX']} if os.environ['PREFIX'] else {}",
    "out = s3.list_objects_v2(Bucket=os.environ['BUCKET'], MaxKeys=50, **kwargs)",
    "print(json.dumps([o['Key'] + ' => ' + o['ETag'] for o in out.get('Contents', [])]))",
  ].join('\n');
  const env = childEnv({
    MOTO: stack.moto.url,
    KEY: admin.accessKeyId,
    SECRET: admin.secretAccessKey,
    BUCKET,
    PREFIX: prefix,
  });
  const result = await runProgram('python3', ['-c', script], { env });
  if (result.code !== 0) throw new Error(`boto3 failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}

/** The `key => etag` lines of a report. */
const listedIn = (report: string) => report.split('\n').filter((line) => / => "/.test(line));

/** Every secret in play: dev's keys, and every credential STS answered with so far in this test. */
function secrets(): string[] {
  const issued = stack.proxy.requests.flatMap((r) =>
    ['AccessKeyId', 'SecretAccessKey', 'SessionToken'].map((tag) => xmlValue(r.response?.body ?? '', tag)),
  );
  return [dev.accessKeyId, dev.secretAccessKey, ...issued].filter((value): value is string => !!value);
}

/** No secret in `text` (stderr, or the default report); returns how many secrets were looked for. */
function expectNoSecrets(text: string): number {
  const all = secrets();
  const leaked = all.filter((secret) => text.includes(secret)).map((s) => `${s.slice(0, 4)}…(${s.length})`);
  expect(leaked).toEqual([]);
  // Nothing the command line prints is a workflow command.
  expect(text.split('\n').filter((line) => /^\s*::|##\[/.test(line))).toEqual([]);
  return all.length;
}

const operations = () => stack.proxy.requests.map((r) => r.operation);

describe('the seed flows with -b: the keys and ETags boto3 lists', () => {
  test('AssumeRole (signed with the AWS_* variables), with -r', async () => {
    const result = await runCli(['--role-to-assume', deploy, '-b', BUCKET, '-r', 'us-east-1'], {
      env: terminal(),
    });
    expect(result.stderr).not.toMatch(/^(error|warning): /m);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Identity:   arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );
    expect(result.stdout).toContain('Operation:  AssumeRole');
    expect(result.stdout).toMatch(/^Expires: {4}.* UTC \(in (59|60) min\)$/m);
    expect(result.stdout).toContain(`Bucket:     s3://${BUCKET}/ accessible: 50 objects listed`);
    expect(result.stdout).toContain('(more keys exist: these are the first 50');
    const listed = listedIn(result.stdout);
    expect(listed).toHaveLength(50);
    expect(listed).toEqual(await boto3Listing());
    expect(operations()).toEqual(['AssumeRole', 'S3:GET']);
    expect(expectNoSecrets(result.stdout + result.stderr)).toBeGreaterThanOrEqual(5);
  });

  describe('without IAM enforcement (moto does not recognise GetSessionToken credentials with it on)', () => {
    beforeAll(() => stack.moto.enforceAuth(Number.POSITIVE_INFINITY));
    afterAll(() => stack.moto.enforceAuth(0));

    test('GetSessionToken for 7200 seconds, the region from AWS_REGION', async () => {
      const result = await runCli(
        ['--sts-operation', 'get-session-token', '--role-duration-seconds', '7200', '-b', BUCKET],
        { env: terminal() },
      );
      expect(result.stderr).not.toMatch(/^(error|warning): /m);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Identity:   ${dev.arn}`);
      expect(result.stdout).toContain('Operation:  GetSessionToken');
      expect(result.stdout).toContain('Region:     us-east-1');
      expect(result.stdout).toMatch(/^Expires: {4}.* UTC \(in (1 h 59|2 h 0) min\)$/m);
      expect(listedIn(result.stdout)).toEqual(await boto3Listing());
      const sent = stack.proxy.requests.find((r) => r.operation === 'GetSessionToken');
      expect(sent?.params.DurationSeconds).toBe('7200');
      expect(operations()).toEqual(['GetCallerIdentity', 'GetSessionToken', 'S3:GET']);
      expectNoSecrets(result.stdout + result.stderr);
    });

    test('GetFederationToken for -u with an inline session policy', async () => {
      const policy = JSON.stringify(allow('s3:ListBucket', `arn:aws:s3:::${BUCKET}`), null, 2);
      const args = ['--sts-operation', 'get-federation-token', '-u', 'release-bot'];
      const result = await runCli(
        [...args, '--inline-session-policy', policy, '-b', `s3://${BUCKET}/pages`],
        {
          env: terminal(),
        },
      );
      expect(result.stderr).not.toMatch(/^(error|warning): /m);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Identity:   arn:aws:sts::123456789012:federated-user/release-bot');
      expect(result.stdout).toContain('Operation:  GetFederationToken');
      expect(result.stdout).toContain(`Bucket:     s3://${BUCKET}/pages accessible: 50 objects listed`);
      expect(listedIn(result.stdout)).toEqual(await boto3Listing('pages'));
      const sent = stack.proxy.requests.find((r) => r.operation === 'GetFederationToken')?.params ?? {};
      expect(sent.Name).toBe('release-bot');
      expect(JSON.parse(sent.Policy ?? '{}')).toEqual(JSON.parse(policy));
      expectNoSecrets(result.stdout + result.stderr);
    });

    test('GitHub OIDC where its variables are set: --json stays pure, no workflow command anywhere', async () => {
      const env = terminal({
        ...stack.oidc.env,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      });
      const result = await runCli(['--role-to-assume', deploy, '--json'], { env });
      expect(result.code).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(document.AccessKeyId).toBe(
        xmlValue(stack.proxy.requests[0]?.response?.body ?? '', 'AccessKeyId'),
      );
      expect(result.stderr).toContain('Operation:  AssumeRoleWithWebIdentity');
      expect(operations()).toEqual(['AssumeRoleWithWebIdentity']);
      expect(stack.oidc.issued).not.toHaveLength(0);
      for (const token of stack.oidc.issued) expect(result.stdout + result.stderr).not.toContain(token);
      expectNoSecrets(result.stderr);
    });
  });
});

describe('the credentials where they are asked for', () => {
  test('--export, evaluated by sh, gives working credentials (a role given by name)', async () => {
    const env = terminal({ CLI, NODE: nodeBinary(), MOTO: stack.proxy.url });
    const script =
      'eval "$("$NODE" "$CLI" --role-to-assume deploy --export)" || exit 9\n' +
      'echo "region=$AWS_REGION expires=$AWS_CREDENTIAL_EXPIRATION"\n' +
      'aws --endpoint-url "$MOTO" sts get-caller-identity --query Arn --output text\n' +
      `aws --endpoint-url "$MOTO" s3api list-objects-v2 --bucket ${BUCKET} --max-keys 1 --query 'Contents[0].Key' --output text`;
    const result = await runProgram('sh', ['-c', script], { env });
    expect(result.code).toBe(0);
    const [region, arn, key] = result.stdout.trim().split('\n');
    expect(region).toMatch(/^region=us-east-1 expires=\d{4}-\d\d-\d\dT/);
    expect(arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions');
    expect(key).toBe((await boto3Listing())[0]?.split(' => ')[0]);
    expect(result.stderr).toContain('Operation:  AssumeRole');
    expect(operations().slice(0, 2)).toEqual(['GetCallerIdentity', 'AssumeRole']);
    expectNoSecrets(result.stderr);
  });

  test('-- sh -c: the command sees the credentials, and its exit status comes back', async () => {
    const script =
      'aws --endpoint-url "$AWS_ENDPOINT_URL" sts get-caller-identity --query Arn --output text; exit 7';
    const result = await runCli(['--role-to-assume', deploy, '--', 'sh', '-c', script], { env: terminal() });
    expect(result.code).toBe(7);
    expect(result.stdout.trim()).toBe('arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions');
    expect(operations()).toEqual(['AssumeRole', 'GetCallerIdentity']);
    expectNoSecrets(result.stderr);
  });

  test('-- a command that is not there: 127, as a shell says', async () => {
    const result = await runCli(['--role-to-assume', deploy, '--', 'no-such-command-here'], {
      env: terminal(),
    });
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('cannot run "no-such-command-here": ENOENT');
  });

  test("--json is the aws-cli's credential_process", async () => {
    const env = terminal();
    const command = [nodeBinary(), CLI, '--role-to-assume', deploy, '--json'].join(' ');
    fs.writeFileSync(env.AWS_CONFIG_FILE ?? '', `[profile gate]\ncredential_process = ${command}\n`);
    const args = ['--profile', 'gate', '--endpoint-url', stack.proxy.url, 'sts', 'get-caller-identity'];
    const result = await runProgram('aws', [...args, '--query', 'Arn', '--output', 'text'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions');
    expect(operations()).toEqual(['AssumeRole', 'GetCallerIdentity']);
  });
});

describe('bad usage: exit 2, one line naming the flag, no request', () => {
  const policyFile = () => path.join(__dirname, 'no-such-policy.json');
  test.each([
    ['an unknown flag', ['--role-to-asume', 'x'], 'did you mean --role-to-assume?'],
    ['an unknown short flag', ['-x'], '-x'],
    ['a missing value', ['--role-to-assume'], '--role-to-assume'],
    ['a missing value before a flag', ['--role-to-assume', 'x', '-b', '--export'], '-b (--verify-bucket)'],
    ['two outputs', ['--role-to-assume', 'x', '--export', '--json'], '--export and --json'],
    ['a profile', ['--role-to-assume', 'x', '--aws-profile', 'ci'], '--aws-profile'],
    ['several profiles', ['--profiles', 'app = deploy'], '--profiles'],
    [
      'a duration out of range',
      ['--role-to-assume', 'x', '--role-duration-seconds', '100'],
      '--role-duration-seconds',
    ],
    ['a region with a space', ['--role-to-assume', 'x', '-r', 'eu west 1'], '--aws-region'],
    ['a bucket name S3 refuses', ['--role-to-assume', 'x', '-b', 'Not_A_Bucket'], '--verify-bucket'],
    [
      'too many keys',
      ['--role-to-assume', 'x', '-b', 'site', '--verify-max-keys', '5000'],
      '--verify-max-keys',
    ],
    ['an unknown operation', ['--sts-operation', 'assume'], '--sts-operation'],
    ['federation without -u', ['--sts-operation', 'get-federation-token'], '--federated-user-name'],
    [
      'a policy that is not JSON',
      ['--sts-operation', 'get-session-token', '--inline-session-policy', '{'],
      '--inline-session-policy',
    ],
    ['a role ARN of a user', ['--role-to-assume', 'arn:aws:iam::123456789012:user/bob'], '--role-to-assume'],
    [
      'a token file that is not there',
      ['--role-to-assume', 'arn:aws:iam::123456789012:role/x', '--web-identity-token-file', policyFile()],
      '--web-identity-token-file',
    ],
    ['a boolean that is not one', ['--role-to-assume', 'x', '--role-chaining', 'yes'], '--role-chaining'],
    [
      'a secret without its key id',
      ['--aws-secret-access-key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
      '--aws-access-key-id',
    ],
  ])('%s', async (_name, args, flag) => {
    const result = await runCli(args, { env: terminal() });
    expect({ code: result.code, stdout: result.stdout, requests: operations() }).toEqual({
      code: 2,
      stdout: '',
      requests: [],
    });
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0]).toMatch(/^aws-credentials-gate: .* See aws-credentials-gate --help\.$/);
    expect(lines[0]).toContain(flag);
    expect(result.stderr).not.toContain('wJalrXUtnFEMI');
    expectNoSecrets(result.stderr);
  });

  test('a value from a variable is named by the flag and the variable', async () => {
    const result = await runCli(['--role-to-assume', deploy], {
      env: terminal({ AWS_REGION: 'not a region' }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^aws-credentials-gate: --aws-region \(taken from the AWS_REGION environment variable\) is invalid: got "not a region"/,
    );
    expect(operations()).toEqual([]);
  });

  test('nothing to sign with: the flag, and where credentials may come from; no request', async () => {
    const env = terminal({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const result = await runCli(['--role-to-assume', deploy], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^aws-credentials-gate: --role-to-assume \(.*\) cannot be assumed: /);
    expect(result.stderr).toContain("where the AWS SDK's default chain finds them");
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(operations()).toEqual([]);
  });

  test('-h: the usage on stdout, every input a flag; exit 0, no request', async () => {
    const result = await runCli(['-h'], { env: terminal() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: aws-credentials-gate /);
    expect(result.stdout).toContain('  -b, --verify-bucket VALUE');
    expect(result.stdout).toContain('  -u, --federated-user-name VALUE');
    expect(operations()).toEqual([]);
  });
});

describe('when AWS or the gate says no: exit 1, explained as the action explains it', () => {
  test('a trust policy that names someone else: the caller, the role, what to add', async () => {
    const result = await runCli(['--role-to-assume', locked, '-b', BUCKET], { env: terminal() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: AssumeRole refused: /);
    expect(result.stderr).toContain(`${dev.arn} may not assume ${locked}`);
    expect(result.stderr).toContain('its trust policy does not allow');
    expect(result.stderr).toContain(`add "${dev.arn}" as a principal`);
    expect(operations()).toEqual(['AssumeRole', 'GetRole']);
    expectNoSecrets(result.stderr);
  });

  test("a duration above the role's MaxSessionDuration: STS's refusal, explained with the role's limit", async () => {
    // moto grants any DurationSeconds; AWS refuses one above the role's limit in these words.
    const refusal = stsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
    stack.proxy.fault = (r) => (r.operation === 'AssumeRole' ? { status: 400, body: refusal } : undefined);
    const result = await runCli(['--role-to-assume', short, '--role-duration-seconds', '7200', '--json'], {
      env: terminal(),
    });
    stack.proxy.fault = undefined;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("'role-duration-seconds' asks for 7200 seconds");
    expect(result.stderr).toContain('at most 3600 seconds');
    expect(operations()).toEqual(['AssumeRole', 'GetRole']);
    expectNoSecrets(result.stderr);
  });

  test('a bucket the role may not list: the report says so, and --export gives nothing', async () => {
    const result = await runCli(['--role-to-assume', deploy, '-b', 'private', '--export'], {
      env: terminal(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Identity:   arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );
    expect(result.stderr).toContain('Bucket:     s3://private/ not accessible');
    expect(result.stderr).toMatch(/^error: .*private.*s3:ListBucket/m);
    expect(operations()).toEqual(['AssumeRole', 'S3:GET']);
    expectNoSecrets(result.stderr);
  });

  test('the same bucket with --verify-required false: a warning, and the report with the credentials', async () => {
    const args = ['--role-to-assume', deploy, '-b', 'private', '--verify-required', 'false'];
    const result = await runCli(args, { env: terminal() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Bucket:     s3://private/ not accessible');
    expect(result.stderr).toMatch(/^warning: .*verify-required is false/m);
    expectNoSecrets(result.stdout + result.stderr);
  });
});

test("run inside a job's environment, it writes no GITHUB_* file, no ledger entry and no ~/.aws file", async () => {
  const job = stack.job();
  const files = Object.fromEntries(
    ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_PATH'].map((name) => {
      const file = path.join(job.dir, 'files', name);
      fs.writeFileSync(file, '');
      return [name, file];
    }),
  );
  const env = terminal({ ...files, RUNNER_TEMP: path.join(job.dir, 'temp'), GITHUB_ACTIONS: 'true' });
  delete env.AWS_CONFIG_FILE;
  delete env.AWS_SHARED_CREDENTIALS_FILE;
  const keys = ['--aws-access-key-id', dev.accessKeyId, '--aws-secret-access-key', dev.secretAccessKey];
  const args = [...keys, '--role-to-assume', deploy, '-b', BUCKET, '--unset-current-credentials', 'true'];
  const result = await runCli([...args, '--output-credentials', 'true', '--export'], { env });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/m);
  for (const file of Object.values(files)) expect(fs.readFileSync(file, 'utf8')).toBe('');
  expect(fs.readdirSync(path.join(job.dir, 'temp'))).toEqual([]);
  expect(fs.existsSync(path.join(env.HOME ?? '', '.aws'))).toBe(false);
  expectNoSecrets(result.stderr);
});

test('every child was given AWS_EC2_METADATA_DISABLED=true and endpoints on 127.0.0.1 only', () => {
  expect(childEnvs.length).toBeGreaterThan(20);
  for (const env of childEnvs) {
    expect(env.AWS_EC2_METADATA_DISABLED).toBe('true');
    for (const [name, value] of Object.entries(env))
      if (/ENDPOINT|MOTO|TOKEN_REQUEST_URL/.test(name))
        expect(`${name}=${value}`).toMatch(/=http:\/\/127\.0\.0\.1:/);
  }
});
