/**
 * The two steps' orchestration, driven through their parameters: a fake runner records what the step
 * tells the runner, a fake AWS (the clients' `sender` seam) answers as STS, IAM and S3 would. These are
 * the branches that only end-to-end tests reached before: refusal explanations, the deadline,
 * use-existing-credentials, the gate holding or reporting, the post step's restore and its warnings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup } from '../../src/cleanup';
import { run } from '../../src/main';
import { acquire, release } from '../../src/profile/lock';
import { InFlight } from '../../src/runner/deadline';
import {
  ACCOUNT,
  CALLER,
  FakeAws,
  fakeJwt,
  identity,
  listing,
  queryError,
  ROLE,
  role,
  s3Error,
} from '../fakes/aws';
import { FakeRunner, jobEnv } from '../fakes/runner';
import { KEYS, scenarios } from '../fixtures/inputs';

const OIDC_URL = 'http://127.0.0.1:9/token';

/** Runs the main step once; the env is the one later steps would see. */
async function main(
  inputs: Record<string, string>,
  options: { aws?: FakeAws; env?: Record<string, string> } = {},
) {
  const aws = options.aws ?? new FakeAws();
  const env = jobEnv({ GITHUB_REPOSITORY: 'octo/site', ...options.env });
  const runner = new FakeRunner(inputs, {}, env);
  const claims = {
    sub: 'repo:octo/site:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
    iss: 'https://token',
  };
  const fetchIdToken = jest.fn(async () => fakeJwt(claims));
  await run(runner, env, { sender: aws.sender, fetchIdToken });
  return { runner, aws, env, fetchIdToken };
}

/** Every credential the fake AWS issued, or the inputs gave, that a step might print. */
function secretsOf(runner: FakeRunner): string[] {
  const exported = runner.exported;
  return [
    KEYS['aws-secret-access-key'],
    exported.AWS_SECRET_ACCESS_KEY,
    exported.AWS_SESSION_TOKEN,
    exported.AWS_ACCESS_KEY_ID,
  ].filter((value): value is string => Boolean(value));
}

describe('main: keys -> AssumeRole', () => {
  test('exports masked credentials, sets outputs, saves what the post step needs; one STS request', async () => {
    const { runner, aws } = await main(scenarios.keysAndRole);
    expect(runner.failure).toBeUndefined();
    expect(aws.count('sts')).toBe(1);
    expect(aws.count('AssumeRole')).toBe(1);
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
    expect(runner.exported.AWS_REGION).toBe('eu-west-1');
    expect(runner.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(runner.unmaskedUses(secretsOf(runner))).toEqual([]);
    const restore = JSON.parse(runner.savedState.restore ?? '{}');
    expect(restore.env).toMatchObject({ AWS_ACCESS_KEY_ID: null, AWS_REGION: null });
    expect(runner.summary).toContain('AssumeRole');
  });
});

describe('main: refusal explanations', () => {
  const denied = `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`;

  test('the role exists and its trust policy does not name the caller: the principal to add is said', async () => {
    const aws = new FakeAws()
      .on('AssumeRole', () => queryError(403, 'AccessDenied', denied))
      .on('GetRole', () =>
        role(ROLE, {
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/other` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      );
    const { runner } = await main(scenarios.keysAndRole, { aws });
    expect(runner.failure).toContain(`AssumeRole refused: ${CALLER} may not assume ${ROLE}.`);
    expect(runner.failure).toContain(
      `its trust policy does not allow ${CALLER}: add "${CALLER}" as a principal`,
    );
    expect(aws.count('GetRole')).toBe(1);
    expect(runner.exported).toEqual({});
    expect(runner.outputs['aws-access-key-id']).toBeUndefined();
  });

  test('the role does not exist: said so, from iam:GetRole', async () => {
    const aws = new FakeAws()
      .on('AssumeRole', () => queryError(403, 'AccessDenied', denied))
      .on('GetRole', () => queryError(404, 'NoSuchEntity', 'The role with name deploy cannot be found.'));
    const { runner } = await main(scenarios.keysAndRole, { aws });
    expect(runner.failure).toContain('The role does not exist in that account');
  });

  test('a caller in another account: IAM is not asked (it would answer for the caller’s own account)', async () => {
    const stranger = 'arn:aws:iam::210987654321:user/dev';
    const aws = new FakeAws().on('AssumeRole', () =>
      queryError(403, 'AccessDenied', `User: ${stranger} is not authorized to perform: sts:AssumeRole`),
    );
    const { runner } = await main(scenarios.keysAndRole, { aws });
    expect(aws.count('GetRole')).toBe(0);
    expect(runner.failure).toContain("the role is in another account than the caller's");
  });

  test('a refusal naming no caller: the caller is asked of GetCallerIdentity', async () => {
    const aws = new FakeAws().on('AssumeRole', () => queryError(403, 'AccessDenied', 'Access denied'));
    const { runner } = await main(scenarios.keysAndRole, { aws });
    expect(aws.count('GetCallerIdentity')).toBe(1);
    expect(runner.failure).toContain(`${CALLER} may not assume ${ROLE}`);
  });

  test('web identity refused: the token claims the trust policy must match are said, the token masked', async () => {
    const aws = new FakeAws().on('AssumeRoleWithWebIdentity', () =>
      queryError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
    );
    const { runner, fetchIdToken } = await main(scenarios.oidc, {
      aws,
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: OIDC_URL },
    });
    expect(fetchIdToken).toHaveBeenCalledWith('sts.amazonaws.com', expect.any(Function));
    expect(runner.failure).toContain(`AssumeRoleWithWebIdentity refused for ${ROLE}.`);
    expect(runner.failure).toContain(
      'for sub "repo:octo/site:ref:refs/heads/main" and aud "sts.amazonaws.com"',
    );
    const token = await fetchIdToken.mock.results[0]?.value;
    expect(runner.unmaskedUses([token])).toEqual([]);
    expect(runner.log).toContain('sub: "repo:octo/site:ref:refs/heads/main"');
  });
});

describe('main: the web identity token in the request', () => {
  const withTokenFile = async (token: string, inputs: Record<string, string> = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-'));
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, token);
    try {
      return await main({
        'aws-region': 'eu-west-1',
        'role-to-assume': ROLE,
        'web-identity-token-file': file,
        ...inputs,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test("a token file's token that is not URL-safe reaches STS as it is (form-encoded)", async () => {
    const token = "opaque+token/with=chars&more%20!'()*";
    const { runner, aws } = await withTokenFile(token);
    expect(runner.failure).toBeUndefined();
    const [sent] = aws.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
    expect(sent?.params.WebIdentityToken).toBe(token);
  });

  test('a session name that reads like the placeholder is left as it is; the token goes in its own parameter', async () => {
    const { runner, aws } = await withTokenFile('file-token', {
      'role-session-name': 'web-identity-token-pending',
    });
    expect(runner.failure).toBeUndefined();
    const [sent] = aws.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
    expect(sent?.params).toMatchObject({
      RoleSessionName: 'web-identity-token-pending',
      WebIdentityToken: 'file-token',
    });
  });
});

describe('main: the deadline (action-timeout-s)', () => {
  test('STS never answers: the step fails at the deadline, seals the runner, exports nothing', async () => {
    const aws = new FakeAws().on('AssumeRole', () => new Promise(() => {}));
    const { runner } = await main({ ...scenarios.keysAndRole, 'action-timeout-s': '1' }, { aws });
    expect(runner.failure).toBe(
      'action-timeout-s: the step did not finish within 1 s (STS did not answer in time); no credentials were exported.',
    );
    expect(runner.isSealed).toBe(true);
    expect(runner.exported).toEqual({});
  });

  test('a live process holds the lock on ~/.aws/credentials: the wait ends at the deadline, naming the lock', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'step-'));
    const aws = path.join(home, '.aws');
    fs.mkdirSync(aws);
    const credentials = path.join(aws, 'credentials');
    fs.writeFileSync(credentials, '[other]\naws_access_key_id = AKIAOTHER\n', { mode: 0o600 });
    const held = acquire(credentials); // this process: alive, so waited for
    const before = fs.readdirSync(aws).map((name) => [name, fs.readFileSync(path.join(aws, name), 'utf8')]);
    try {
      const { runner } = await main(
        { ...scenarios.keysAndRole, 'aws-profile': 'ci', 'action-timeout-s': '1' },
        { env: { HOME: home } },
      );
      // Not the lock's own bound (10 s, "Could not lock ..."): the step's deadline ended the wait.
      expect(runner.failure).toBe(
        `action-timeout-s: the step did not finish within 1 s (it was waiting for the lock on ${credentials}, ` +
          `held by process ${process.pid} on ${os.hostname()}); no credentials were exported.`,
      );
      expect(runner.isSealed).toBe(true);
      expect(runner.exported).toEqual({});
      expect(runner.outputs).toEqual({});
      const after = fs.readdirSync(aws).map((name) => [name, fs.readFileSync(path.join(aws, name), 'utf8')]);
      expect(after).toEqual(before);
    } finally {
      if (held) release(held);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  const probing = { ...scenarios.keysAndRole, 'verify-bucket': 'site', 'verify-access': 'write' };
  const S3_LATE =
    'action-timeout-s: the step did not finish within 1 s (S3 did not answer in time); no credentials were exported.';
  /** A fake AWS whose S3 starts the probe's upload at once but answers after the 1 s deadline. */
  const startingLate = (): FakeAws => {
    const aws: FakeAws = new FakeAws().on('CreateMultipartUpload', async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return aws.startUpload(r);
    });
    return aws;
  };

  test('the write probe started as time runs out: its upload is aborted before the step fails', async () => {
    const aws = startingLate();
    const { runner } = await main({ ...probing, 'action-timeout-s': '1' }, { aws });
    expect(runner.log).toContain(
      "action-timeout-s: out of time; waiting at most 10 s more for the write probe's upload in bucket site to be aborted.",
    );
    expect(runner.failure).toBe(S3_LATE);
    expect(aws.count('AbortMultipartUpload')).toBe(1);
    expect(aws.uploads.size).toBe(0);
    expect(runner.exported).toEqual({});
    expect(runner.outputs).toEqual({});
  });

  test('an abort throttled after the deadline is retried within the grace: nothing is left', async () => {
    let aborts = 0;
    const aws = startingLate().on('AbortMultipartUpload', (r) =>
      ++aborts === 1 ? s3Error(503, 'SlowDown', 'Please reduce your request rate.') : aws.abortUpload(r),
    );
    const { runner } = await main({ ...probing, 'action-timeout-s': '1' }, { aws });
    expect(runner.failure).toBe(S3_LATE);
    expect(aws.count('AbortMultipartUpload')).toBe(2);
    expect(aws.uploads.size).toBe(0);
  });

  test('a probe done before time runs out (the listing hangs): no wait is said, nothing is left', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => new Promise(() => {}));
    const { runner } = await main(
      { ...probing, 'verify-access': 'list,write', 'action-timeout-s': '1' },
      { aws },
    );
    expect(runner.failure).toBe(S3_LATE);
    expect(runner.log.join('\n')).not.toContain('waiting at most');
    expect(aws.count('AbortMultipartUpload')).toBe(1);
    expect(aws.uploads.size).toBe(0);
  });

  test('an abort refused after the deadline: the failure says which upload stays, and how to abort it', async () => {
    const aws = startingLate().on('AbortMultipartUpload', () =>
      s3Error(403, 'AccessDenied', 'Access Denied'),
    );
    const { runner } = await main({ ...probing, 'action-timeout-s': '1' }, { aws });
    const [uploadId] = [...aws.uploads.keys()];
    expect(runner.failure).toMatch(
      /^action-timeout-s: the step did not finish within 1 s \(S3 did not answer in time\); no credentials were exported\. The write probe's multipart upload of \S+ in bucket site \(upload id /,
    );
    expect(runner.failure).toContain(`aws s3api abort-multipart-upload --bucket site --key`);
    expect(runner.failure).toContain(`--upload-id '${uploadId}'`);
    expect(runner.exported).toEqual({});
  });
});

describe('the deadline: work let finish (InFlight.finish)', () => {
  const finishing = (work: Promise<string | undefined>) => ({
    work,
    what: 'the probe',
    unfinished: 'it may stay',
  });

  test('nothing to wait for: no wait (a minute of grace, within the test timeout), nothing said', async () => {
    expect(await new InFlight().finish(60_000)).toEqual([]);
  });

  test('work that ends in the grace says its warning; work that does not is said unfinished', async () => {
    const inFlight = new InFlight();
    inFlight.mustFinish(finishing(Promise.resolve(undefined)));
    inFlight.mustFinish(finishing(Promise.resolve('could not be aborted')));
    inFlight.mustFinish(finishing(new Promise(() => {})));
    inFlight.mustFinish(finishing(Promise.reject(new Error('lost'))));
    expect(inFlight.unfinished).toHaveLength(4); // none has had its turn to end yet
    await Promise.resolve();
    expect(inFlight.unfinished).toEqual(['the probe']); // only the one that never ends
    expect(await inFlight.finish(50)).toEqual(['could not be aborted', 'it may stay', 'it may stay']);
  });
});

describe('main: use-existing-credentials', () => {
  const existing = {
    AWS_ACCESS_KEY_ID: 'ASIAEXISTING00000000',
    AWS_SECRET_ACCESS_KEY: 'existingSecretexistingSecretexisting',
    AWS_SESSION_TOKEN: 'existingToken',
    AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00.000Z',
  };

  test('valid credentials in the environment are kept: outputs set, nothing exported, no AssumeRole', async () => {
    const aws = new FakeAws().on('GetCallerIdentity', () =>
      identity(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/earlier`),
    );
    const { runner } = await main(
      { ...scenarios.oidc, 'use-existing-credentials': 'true' },
      { aws, env: existing },
    );
    expect(runner.failure).toBeUndefined();
    expect(aws.count('AssumeRole') + aws.count('AssumeRoleWithWebIdentity')).toBe(0);
    expect(runner.exported).toEqual({});
    expect(runner.outputs['aws-expiration']).toBe(existing.AWS_CREDENTIAL_EXPIRATION);
    expect(runner.log.join('\n')).toContain('Credentials already in the environment are valid');
    expect(runner.summary).toContain('use-existing-credentials');
  });

  test('credentials STS refuses are not kept: new ones are got', async () => {
    const aws = new FakeAws().on('GetCallerIdentity', () =>
      queryError(403, 'InvalidClientTokenId', 'bad token'),
    );
    const { runner } = await main(
      { ...scenarios.keysAndRole, 'use-existing-credentials': 'true' },
      { aws, env: existing },
    );
    expect(runner.log).toContain('No valid credentials in the environment; getting new ones.');
    expect(aws.count('AssumeRole')).toBe(1);
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });
});

describe('main: the S3 gate', () => {
  test('a listing: keys logged in a group, outputs say accessible and how many', async () => {
    const { runner, aws } = await main({ ...scenarios.keysAndRole, 'verify-bucket': 'site' });
    expect(aws.count('ListObjectsV2')).toBe(1);
    expect(runner.outputs).toMatchObject({ 'bucket-accessible': 'true', 'bucket-object-count': '2' });
    expect(runner.log).toContain('index.html => "etag-index.html"');
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });

  test('refused and required: the gate holds, nothing exported, outputs still say so', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const { runner } = await main({ ...scenarios.keysAndRole, 'verify-bucket': 'site' }, { aws });
    expect(runner.failure).toContain('S3 refused to list bucket site');
    expect(runner.exported).toEqual({});
    expect(runner.outputs).toMatchObject({ 'bucket-accessible': 'false', 'bucket-object-count': '0' });
    expect(runner.summary).toContain('not accessible');
  });

  test('refused but verify-required is false: a warning, and the credentials are exported', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const inputs = { ...scenarios.keysAndRole, 'verify-bucket': 'site', 'verify-required': 'false' };
    const { runner } = await main(inputs, { aws });
    expect(runner.failure).toBeUndefined();
    expect(runner.calls.find((c) => c.kind === 'warning')?.value).toContain(
      '(verify-required is false: credentials were exported anyway)',
    );
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });
});

describe('main: the S3 gate, list, read and write on several buckets', () => {
  const inputs = {
    ...scenarios.keysAndRole,
    'verify-bucket': 'site\nassets',
    'verify-access': 'list,read,write',
  };
  const warnings = (runner: FakeRunner) =>
    runner.calls.filter((c) => c.kind === 'warning').map((c) => c.value);

  test('every check passes: outputs say so per bucket, each proof is logged, one summary row per check', async () => {
    const { runner, aws } = await main(inputs);
    expect(runner.failure).toBeUndefined();
    expect(runner.outputs).toMatchObject({
      'bucket-accessible': 'true',
      'bucket-object-count': '4',
      'bucket-access': JSON.stringify({
        'site/': { list: true, read: true, write: true },
        'assets/': { list: true, read: true, write: true },
      }),
    });
    expect(runner.log).toContain('Proved read access to bucket site: read 1 byte of index.html.');
    expect(
      runner.log.filter((line) =>
        /^Proved write access to bucket assets: a multipart upload of \.aws-credentials-gate-probe-[0-9a-f]{32} was started and aborted; no object was created\.$/.test(
          line,
        ),
      ),
    ).toHaveLength(1);
    expect(aws.uploads.size).toBe(0);
    expect(warnings(runner)).toEqual([]);
    const rows = runner.summary.split('\n').filter((line) => /^\| (list|read|write) \|/.test(line));
    expect(rows).toEqual([
      '| list | `site` | (whole bucket) | ✅ 2 objects listed |',
      '| read | `site` | (whole bucket) | ✅ proved |',
      '| write | `site` | (whole bucket) | ✅ proved |',
      '| list | `assets` | (whole bucket) | ✅ 2 objects listed |',
      '| read | `assets` | (whole bucket) | ✅ proved |',
      '| write | `assets` | (whole bucket) | ✅ proved |',
    ]);
    expect(runner.summary).toContain('| Result | ✅ accessible |');
    expect(runner.summary).toContain('#### Keys listed in `assets`');
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });

  test('write refused on one bucket: the gate holds, naming only that bucket and s3:PutObject', async () => {
    const aws: FakeAws = new FakeAws().on('CreateMultipartUpload', (r) =>
      r.params.bucket === 'assets' ? s3Error(403, 'AccessDenied', 'Access Denied') : aws.startUpload(r),
    );
    const { runner } = await main(inputs, { aws });
    expect(runner.failure).toMatch(
      /^S3 refused to write to bucket assets to arn:aws:sts::123456789012:assumed-role\/deploy\/GitHubActions: it needs s3:PutObject on arn:aws:s3:::assets\/\*\. /,
    );
    expect(runner.failure).not.toContain('bucket site');
    expect(runner.exported).toEqual({});
    expect(runner.outputs).toEqual({
      'bucket-accessible': 'false',
      'bucket-object-count': '4',
      'bucket-access': JSON.stringify({
        'site/': { list: true, read: true, write: true },
        'assets/': { list: true, read: true, write: false },
      }),
    });
    expect(runner.summary).toContain('| write | `assets` | (whole bucket) | ❌ failed |');
    expect(runner.summary).toContain('| Result | ❌ not accessible |');
  });

  test('nothing to read: a warning, null in bucket-access, and the credentials are exported', async () => {
    const aws = new FakeAws().on('ListObjectsV2', (r) =>
      listing(r.params.bucket ?? '', r.params.bucket === 'site' ? [] : ['a']),
    );
    const { runner } = await main(inputs, { aws });
    expect(runner.failure).toBeUndefined();
    expect(warnings(runner)).toEqual([
      'Could not prove read access to bucket site: no object is listed there to read.',
    ]);
    expect(JSON.parse(runner.outputs['bucket-access'] ?? '')).toEqual({
      'site/': { list: true, read: null, write: true },
      'assets/': { list: true, read: true, write: true },
    });
    expect(runner.outputs['bucket-accessible']).toBe('false');
    expect(runner.summary).toContain('| read | `site` | (whole bucket) | ⚠️ could not prove |');
    expect(runner.summary).toContain('| Result | ⚠️ not every check could be proved |');
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });

  test('an abort refused: write passes, and a warning names s3:AbortMultipartUpload and the upload', async () => {
    const aws = new FakeAws().on('AbortMultipartUpload', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const { runner } = await main(
      { ...scenarios.keysAndRole, 'verify-bucket': 'site', 'verify-access': 'write' },
      { aws },
    );
    expect(runner.failure).toBeUndefined();
    const [uploadId] = [...aws.uploads.keys()];
    expect(warnings(runner)).toEqual([
      expect.stringContaining(`(upload id ${uploadId}) could not be aborted`),
    ]);
    expect(warnings(runner)[0]).toContain('s3:AbortMultipartUpload on arn:aws:s3:::site/*');
    expect(runner.outputs['bucket-access']).toBe('{"site/":{"write":true}}');
    expect(runner.summary).toContain(
      '| write | `site` | (whole bucket) | ✅ proved ⚠️ left an upload behind |',
    );
  });

  test('verify-required false: every failure warns, and the credentials are exported', async () => {
    const aws = new FakeAws()
      .on('CreateMultipartUpload', () => s3Error(403, 'AccessDenied', 'Access Denied'))
      .on('GetObject', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const { runner } = await main({ ...inputs, 'verify-required': 'false' }, { aws });
    expect(runner.failure).toBeUndefined();
    const said = warnings(runner);
    expect(said).toHaveLength(4);
    for (const warning of said)
      expect(warning).toMatch(
        /s3:(GetObject|PutObject) on .*\(verify-required is false: credentials were exported anyway\)$/,
      );
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
  });
});

describe('post step', () => {
  test('restores every variable the main step changed, and removes the profile it wrote', async () => {
    const before = { AWS_REGION: 'us-east-1' };
    const inputs = { ...scenarios.keysAndRole, 'aws-profile': 'ci', 'output-env-credentials': 'true' };
    const first = await main(inputs, { env: before });
    const credentialsFile = path.join(first.env.HOME ?? '', '.aws', 'credentials');
    expect(fs.readFileSync(credentialsFile, 'utf8')).toContain('[ci]');

    const post = new FakeRunner({}, first.runner.savedState);
    cleanup(post, { ...first.env });
    // AWS_PROFILE is never left empty (the aws-cli and boto3 would look for a profile named ""): it names
    // a profile that is gone, as nothing is left to find.
    expect(post.exported).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: '',
      AWS_PROFILE: 'aws-credentials-gate-env',
    });
    expect(fs.existsSync(credentialsFile)).toBe(false);
    expect(post.log).toContain('Removed profile ci.');
    expect(post.calls.filter((c) => c.kind === 'warning')).toEqual([]);
  });

  test('a profile file removed by someone else: a warning, never a failure', async () => {
    const first = await main({ ...scenarios.keysAndRole, 'aws-profile': 'ci' });
    fs.rmSync(path.join(first.env.HOME ?? '', '.aws', 'credentials'));
    const post = new FakeRunner({}, first.runner.savedState);
    cleanup(post, { ...first.env });
    expect(post.failure).toBeUndefined();
    expect(post.calls.find((c) => c.kind === 'warning')?.value).toMatch(/^Profile cleanup: .*credentials: /);
  });

  test('a malformed record: cleanup is skipped with a warning', () => {
    const post = new FakeRunner({}, { restore: '{"env": 3}' });
    cleanup(post, jobEnv());
    expect(post.failure).toBeUndefined();
    expect(post.calls).toEqual([{ kind: 'warning', value: "Cleanup skipped: state 'restore' is malformed" }]);
  });

  test('AWS_SKIP_CLEANUP_STEP: the job is left as it is', () => {
    const post = new FakeRunner({}, { restore: JSON.stringify({ env: { AWS_REGION: null } }) });
    cleanup(post, jobEnv({ AWS_SKIP_CLEANUP_STEP: 'true' }));
    expect(post.exported).toEqual({});
    expect(post.log).toEqual(['AWS_SKIP_CLEANUP_STEP is true: the post step leaves the job as it is.']);
  });
});
