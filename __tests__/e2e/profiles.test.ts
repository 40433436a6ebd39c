/**
 * profiles: several roles in one step, each a named profile, through the committed bundles against moto.
 * Each profile works in a later step with the aws-cli's --profile, boto3 and the AWS SDK for JavaScript v3;
 * one signer (or one OIDC token) serves every role, one STS request each, all sent together; a refused role
 * leaves nothing written; and the post step puts the files back as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEYS, ROLE } from '../fixtures/inputs';
import { stsError } from '../harness/proxy';
import { type Job, ROOT, runChild, type StepResult } from '../harness/runner';
import { laterStepEnv } from './later';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const roleIn = (account: string, name = 'deploy') => `arn:aws:iam::${account}:role/${name}`;
const NETWORK = roleIn('111111111111');
const APP = roleIn('222222222222');
const TWO = `network = ${NETWORK}\napp     = ${APP}\n`;
/** Ten profiles, each a role in an account of its own. */
const TEN = Array.from({ length: 10 }, (_, i) => ({
  name: `p${i}`,
  role: roleIn(`3000000000${String(i).padStart(2, '0')}`),
}));
const linesOf = (profiles: { name: string; role: string }[]) =>
  profiles.map((p) => `${p.name} = ${p.role}`).join('\n');
const sessionArn = (role: string) =>
  `${role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/GitHubActions`;

const base = () => ({ 'aws-region': 'eu-west-1', 'sts-endpoint': stack.proxy.url });
const withKeys = () => ({ ...base(), ...KEYS });

/** The section names of an ini file, in order. */
const sections = (text: string) => [...text.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);
const awsFile = (job: Job, name: string) => path.join(job.dir, 'home', '.aws', name);
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);
/** Every secret the credentials file holds (for the leak check). */
const secretsIn = (text = '') =>
  [...text.matchAll(/^aws_(?:access_key_id|secret_access_key|session_token) = (.*)$/gm)].map(
    (m) => m[1] ?? '',
  );

/**
 * What each client finds for a profile in a later step: the ARN GetCallerIdentity answers, or null. The
 * region is the profile's own (none is given), and only the profile names the credentials.
 */
async function seenThrough(
  job: Job,
  profiles: string[],
  stepEnv: Record<string, string> = {},
): Promise<{ cli: (string | null)[]; boto3: (string | null)[]; js: (string | null)[] }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: path.join(job.dir, 'home'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...stepEnv,
  };
  const endpoint = stack.moto.url;
  const options = { env, cwd: ROOT, timeoutMs: 60_000 };
  const names = profiles.join(' ');
  const cli = `for p in ${names}; do aws --profile "$p" sts get-caller-identity --endpoint-url "$1" --query Arn --output text || echo null; done`;
  const boto =
    'import boto3, sys\n' +
    'for p in sys.argv[2:]:\n' +
    '    try:\n' +
    '        print(boto3.Session(profile_name=p).client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Arn"])\n' +
    '    except Exception:\n' +
    '        print("null")\n';
  const js =
    "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');" +
    'const [endpoint, ...profiles] = process.argv.slice(1);' +
    'Promise.all(profiles.map((profile) => new STSClient({ profile, endpoint, maxAttempts: 1 })' +
    '.send(new GetCallerIdentityCommand({})).then((r) => r.Arn, () => "null")))' +
    ".then((arns) => console.log(arns.join('\\n')));";
  const [cliRun, botoRun, jsRun] = await Promise.all([
    runChild('sh', ['-c', cli, 'sh', endpoint], options),
    runChild('python3', ['-c', boto, endpoint, ...profiles], options),
    runChild(process.execPath, ['-e', js, endpoint, ...profiles], options),
  ]);
  const arns = (out: string) =>
    out
      .trim()
      .split('\n')
      .map((line) => (line === 'null' ? null : line));
  return { cli: arns(cliRun.stdout), boto3: arns(botoRun.stdout), js: arns(jsRun.stdout) };
}

/** Each profile works with every client, as its own role's session. */
async function expectUsable(
  job: Job,
  profiles: { name: string; role: string }[],
  stepEnv: Record<string, string> = {},
): Promise<void> {
  const expected = profiles.map((p) => sessionArn(p.role));
  const names = profiles.map((p) => p.name);
  expect(await seenThrough(job, names, stepEnv)).toEqual({ cli: expected, boto3: expected, js: expected });
}

/** The step wrote the profiles, set the output, and exported nothing (AWS_PROFILE included). */
function expectProfiles(
  job: Job,
  result: StepResult,
  profiles: { name: string; role: string }[],
  ...given: (string | undefined)[]
): void {
  expectSuccess(result);
  expect(result.env).toEqual({});
  const output = JSON.parse(result.outputs.profiles ?? '{}');
  expect(Object.keys(output)).toEqual(profiles.map((p) => p.name));
  for (const { name, role } of profiles) {
    expect(output[name]).toEqual({
      arn: sessionArn(role),
      'account-id': role.split(':')[4],
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    expect(result.summary).toContain(`| \`${name}\` | \`${sessionArn(role)}\` |`);
  }
  const credentials = read(awsFile(job, 'credentials')) ?? '';
  expect(sections(credentials)).toEqual(profiles.map((p) => p.name));
  expect(sections(read(awsFile(job, 'config')) ?? '')).toEqual(profiles.map((p) => `profile ${p.name}`));
  expect(fs.statSync(awsFile(job, 'credentials')).mode & 0o777).toBe(0o600);
  expectNoLeaks(result, ...given, ...secretsIn(credentials));
}

/** The post step leaves ~/.aws as it was before the main step (here: not there at all). */
async function expectPutBack(job: Job): Promise<void> {
  const post = await job.post();
  expect(post.exitCode).toBe(0);
  expect(post.warnings).toEqual([]);
  expect(post.env).toEqual({});
  expect(fs.readdirSync(path.join(job.dir, 'home'))).toEqual([]);
}

const assumed = () => stack.proxy.requests.filter((r) => r.operation.startsWith('AssumeRole'));

describe('keys sign every role', () => {
  test.each([
    [
      'two profiles',
      TWO,
      [
        { name: 'network', role: NETWORK },
        { name: 'app', role: APP },
      ],
    ],
    ['ten profiles', linesOf(TEN), TEN],
  ])(
    '%s: one AssumeRole each, usable with the aws-cli, boto3 and the JS SDK; removed after',
    async (_name, lines, profiles) => {
      const job = stack.job();
      const result = await job.main({ ...withKeys(), profiles: lines });
      expect(stack.proxy.requests.map((r) => `${r.operation} ${r.params.RoleArn}`).sort()).toEqual(
        profiles.map((p) => `AssumeRole ${p.role}`).sort(),
      );
      expectProfiles(job, result, profiles, KEYS['aws-secret-access-key']);
      await expectUsable(job, profiles);
      await expectPutBack(job);
    },
    180_000,
  );
});

describe('GitHub OIDC: one token for every role', () => {
  test.each([
    [
      'two profiles',
      TWO,
      [
        { name: 'network', role: NETWORK },
        { name: 'app', role: APP },
      ],
    ],
    ['ten profiles', linesOf(TEN), TEN],
  ])(
    '%s: one token request in all, one AssumeRoleWithWebIdentity each, each sending that token',
    async (_name, lines, profiles) => {
      const job = stack.job(stack.oidc.env);
      const tokensBefore = stack.oidc.requests.length;
      const result = await job.main({ ...base(), profiles: lines });
      expect(stack.oidc.requests.length - tokensBefore).toBe(1);
      const token = stack.oidc.issued.at(-1);
      expect(assumed().map((r) => r.operation)).toEqual(profiles.map(() => 'AssumeRoleWithWebIdentity'));
      expect(new Set(assumed().map((r) => r.params.WebIdentityToken))).toEqual(new Set([token]));
      expectProfiles(job, result, profiles, token);
      await expectUsable(job, profiles);
      await expectPutBack(job);
    },
    180_000,
  );
});

describe('GitHub OIDC: a token about to expire', () => {
  test('is renewed once for all the roles, and every request sends the fresh one', async () => {
    stack.oidc.lifetimes.push(20); // the first token has 20 s left: too little to send
    const job = stack.job(stack.oidc.env);
    const before = stack.oidc.issued.length;
    const result = await job.main({ ...base(), profiles: linesOf(TEN) });
    expectSuccess(result);
    const [stale, fresh] = stack.oidc.issued.slice(before);
    expect(stack.oidc.issued.length - before).toBe(2);
    expect(assumed().map((r) => r.params.WebIdentityToken)).toEqual(TEN.map(() => fresh));
    expectNoLeaks(result, stale, fresh);
    await expectPutBack(job);
  }, 60_000);
});

describe('refresh-credentials: each profile renews itself', () => {
  /** The store of one profile, under RUNNER_TEMP. */
  function storeOf(job: Job, profile: string): string {
    const temp = path.join(job.dir, 'temp');
    const dir = fs
      .readdirSync(temp)
      .map((name) => path.join(temp, name))
      .find((each) => JSON.parse(read(path.join(each, 'settings.json')) ?? '{}').profile === profile);
    if (dir === undefined) throw new Error(`no store for profile ${profile}`);
    return dir;
  }

  /** Makes a profile's cache due, as it is once its credentials have 15 minutes or less left. */
  function makeDue(job: Job, profile: string): string {
    const cache = path.join(storeOf(job, profile), 'credentials.json');
    const answer = JSON.parse(read(cache) ?? '{}');
    answer.Expiration = new Date(Date.now() + 10 * 60_000).toISOString();
    fs.writeFileSync(`${cache}.new`, `${JSON.stringify(answer)}\n`, { mode: 0o600 });
    fs.renameSync(`${cache}.new`, cache);
    return answer.AccessKeyId;
  }

  const both = [
    { name: 'network', role: NETWORK },
    { name: 'app', role: APP },
  ];

  test('GitHub OIDC: the first uses ask nothing; a due profile renews its own role alone, with a fresh token', async () => {
    const job = stack.job(stack.oidc.env);
    const result = await job.main({ ...base(), profiles: TWO, 'refresh-credentials': 'true' });
    expectSuccess(result);
    expectNoLeaks(result, stack.oidc.issued.at(-1));
    expect(result.env).toEqual({});
    expect(
      assumed()
        .map((r) => r.params.RoleArn)
        .sort(),
    ).toEqual([APP, NETWORK].sort());
    expect(fs.existsSync(awsFile(job, 'credentials'))).toBe(false);
    const config = read(awsFile(job, 'config')) ?? '';
    for (const name of ['network', 'app'])
      expect(config).toContain(`[profile ${name}]\nregion = eu-west-1\ncredential_process = `);
    expect(result.summary).toContain('yes: profiles network, app (each renews itself)');

    // Later steps: the caches the main step seeded answer, so neither STS nor GitHub is asked.
    const stepEnv = laterStepEnv(job);
    stack.proxy.clear();
    const tokensBefore = stack.oidc.requests.length;
    await expectUsable(job, both, stepEnv);
    expect(stack.proxy.requests).toEqual([]);
    expect(stack.oidc.requests.length).toBe(tokensBefore);

    // network's cache is due: its next use renews network's role, once, with a token got afresh.
    const before = makeDue(job, 'network');
    await expectUsable(job, both, stepEnv);
    expect(assumed().map((r) => r.params.RoleArn)).toEqual([NETWORK]);
    expect(stack.oidc.requests.length).toBe(tokensBefore + 1);
    const cache = path.join(storeOf(job, 'network'), 'credentials.json');
    expect(JSON.parse(read(cache) ?? '{}').AccessKeyId).not.toBe(before);

    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(fs.readdirSync(path.join(job.dir, 'home'))).toEqual([]);
    expect(fs.readdirSync(path.join(job.dir, 'temp'))).toEqual([]);
  }, 180_000);

  test('keys: each store keeps the keys (0600, outside the workspace) and signs its own renewals', async () => {
    const job = stack.job();
    const result = await job.main({ ...withKeys(), profiles: TWO, 'refresh-credentials': 'true' });
    expectSuccess(result);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    for (const name of ['network', 'app']) {
      const keys = path.join(storeOf(job, name), 'keys.json');
      expect(fs.statSync(keys).mode & 0o777).toBe(0o600);
      expect(JSON.parse(read(keys) ?? '{}').accessKeyId).toBe(KEYS['aws-access-key-id']);
    }
    makeDue(job, 'app');
    stack.proxy.clear();
    await expectUsable(job, both, laterStepEnv(job));
    expect(assumed().map((r) => `${r.operation} ${r.params.RoleArn}`)).toEqual([`AssumeRole ${APP}`]);
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(fs.readdirSync(path.join(job.dir, 'temp'))).toEqual([]);
  }, 180_000);
});

describe('all or nothing', () => {
  const deny = (...roles: string[]) => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' && roles.includes(r.params.RoleArn ?? '')
        ? {
            status: 403,
            body: stsError(
              'AccessDenied',
              `User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: ${r.params.RoleArn}`,
            ),
          }
        : undefined;
  };

  test('one role refused: no profile written, and the error names it, its role and why', async () => {
    deny(APP);
    const job = stack.job();
    const result = await job.main({ ...withKeys(), profiles: TWO });
    const error = expectFailure(result);
    expect(error).toMatch(
      /^1 of 2 roles could not be obtained, so no profile was written and nothing was exported\. /,
    );
    expect(error).toContain(`Profile "app" (${APP}): AssumeRole refused`);
    expect(error).not.toContain('"network"');
    expect(fs.existsSync(path.join(job.dir, 'home', '.aws'))).toBe(false);
    expect(result.state).toEqual({});
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  }, 60_000);

  test('two of three refused: both named, and the one that was issued is not written either', async () => {
    deny(NETWORK, APP);
    const job = stack.job();
    const result = await job.main({ ...withKeys(), profiles: `${TWO}ok = ${ROLE}` });
    const error = expectFailure(result);
    expect(error).toContain('2 of 3 roles could not be obtained');
    expect(error).toContain(`Profile "network" (${NETWORK}): AssumeRole refused`);
    expect(error).toContain(`Profile "app" (${APP}): AssumeRole refused`);
    expect(fs.existsSync(path.join(job.dir, 'home', '.aws'))).toBe(false);
  }, 60_000);
});

describe('profiles with role-to-assume', () => {
  test('role-to-assume is exported as it is alone; the profiles are written; AWS_PROFILE is not set', async () => {
    const job = stack.job();
    const result = await job.main({ ...withKeys(), 'role-to-assume': ROLE, profiles: TWO });
    expectSuccess(result);
    expect(
      assumed()
        .map((r) => r.params.RoleArn)
        .sort(),
    ).toEqual([ROLE, NETWORK, APP].sort());
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(result.env.AWS_REGION).toBe('eu-west-1');
    expect(result.env).not.toHaveProperty('AWS_PROFILE');
    expect(result.outputs['authenticated-arn']).toBe(sessionArn(ROLE));
    expect(Object.keys(JSON.parse(result.outputs.profiles ?? ''))).toEqual(['network', 'app']);
    expect(sections(read(awsFile(job, 'credentials')) ?? '')).toEqual(['network', 'app']);
    expectNoLeaks(result, KEYS['aws-secret-access-key'], ...secretsIn(read(awsFile(job, 'credentials'))));
    await expectUsable(job, [
      { name: 'network', role: NETWORK },
      { name: 'app', role: APP },
    ]);
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(post.env.AWS_ACCESS_KEY_ID).toBe('');
    expect(fs.existsSync(path.join(job.dir, 'home', '.aws'))).toBe(false);
  }, 120_000);
});

describe('refused before any request, naming the line', () => {
  test.each([
    [
      'a name given twice',
      `app = ${APP}\n\n# the same again\napp = ${NETWORK}`,
      'Input \'profiles\' line 4 repeats profile "app" of line 1',
    ],
    ['a line without a role', `network = ${NETWORK}\napp`, "Input 'profiles' line 2 is not NAME = ROLE"],
  ])(
    '%s',
    async (_name, lines, says) => {
      const job = stack.job(stack.oidc.env);
      const tokensBefore = stack.oidc.requests.length;
      const result = await job.main({ ...withKeys(), profiles: lines });
      expect(expectFailure(result)).toContain(says);
      expect(stack.proxy.requests).toEqual([]);
      expect(stack.oidc.requests.length).toBe(tokensBefore);
      expect(fs.existsSync(path.join(job.dir, 'home', '.aws'))).toBe(false);
    },
    60_000,
  );
});

describe('the requests go out together', () => {
  afterEach(() => {
    stack.proxy.delayMs = 0;
  });

  /**
   * The longest chain of requests each sent only after the one before was answered: how many round trips
   * one after another the requests took (1 when all were in flight at once; n when sent one by one).
   */
  function roundTrips(requests: { receivedAt: number; answeredAt: number | undefined }[]): number {
    const byStart = [...requests].sort((a, b) => a.receivedAt - b.receivedAt);
    const depth: number[] = [];
    byStart.forEach((request, i) => {
      const before = byStart
        .slice(0, i)
        .map((earlier, j) => ((earlier.answeredAt ?? Infinity) <= request.receivedAt ? (depth[j] ?? 0) : 0));
      depth.push(1 + Math.max(0, ...before));
    });
    return Math.max(0, ...depth);
  }

  /** The most requests in flight at one moment. */
  function mostAtOnce(requests: { receivedAt: number; answeredAt: number | undefined }[]): number {
    return Math.max(
      ...requests.map(
        (r) =>
          requests.filter((o) => o.receivedAt <= r.receivedAt && (o.answeredAt ?? Infinity) > r.receivedAt)
            .length,
      ),
    );
  }

  test.each([
    ['keys', () => ({ ...withKeys() }), {}],
    ['GitHub OIDC', () => ({ ...base() }), () => stack.oidc.env],
  ])(
    '%s: ten roles behind 60 ms of latency take well under ten round trips',
    async (_name, inputs, env) => {
      stack.proxy.delayMs = 60;
      const job = stack.job(typeof env === 'function' ? env() : env);
      const result = await job.main({ ...inputs(), profiles: linesOf(TEN) });
      expectSuccess(result);
      const requests = assumed();
      // Exactly one request per role (no retry, no extra call), each answered.
      expect(requests.map((r) => r.params.RoleArn).sort()).toEqual(TEN.map((p) => p.role).sort());
      expect(requests.every((r) => r.answeredAt !== undefined)).toBe(true);
      // Sent one by one they would be a chain of ten round trips, never two at once.
      expect(roundTrips(requests)).toBeLessThanOrEqual(3);
      expect(mostAtOnce(requests)).toBeGreaterThanOrEqual(5);
    },
    120_000,
  );

  test('the measure itself: requests sent one by one are a chain of as many round trips', () => {
    const serial = Array.from({ length: 10 }, (_, i) => ({ receivedAt: i * 70, answeredAt: i * 70 + 65 }));
    expect(roundTrips(serial)).toBe(10);
    expect(mostAtOnce(serial)).toBe(1);
    const together = Array.from({ length: 10 }, (_, i) => ({ receivedAt: i, answeredAt: 70 + i }));
    expect(roundTrips(together)).toBe(1);
    expect(mostAtOnce(together)).toBe(10);
  });
});
