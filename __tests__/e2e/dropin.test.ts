/**
 * The configure-aws-credentials v6 inputs this action takes as a drop-in, each run end to end against moto.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { KEYS, ROLE, scenariosAt } from '../fixtures/inputs';
import { callerIdentity, envCredentials, seedBucket } from '../harness/aws';
import { stsError } from '../harness/proxy';
import type { Job } from '../harness/runner';
import { startTlsFront, type TlsFront } from '../harness/tls';
import { expectFailure, expectNoLeaks, expectRefused, expectSuccess, heldGate, useStack } from './stack';

const stack = useStack();
const base = () => scenariosAt(stack.proxy.url).base;
const keysAndRole = () => scenariosAt(stack.proxy.url).keysAndRole;

const assumeRequests = () => stack.proxy.requests.filter((r) => r.operation === 'AssumeRole');
/** The access key id that signed a request (from its SigV4 Authorization header). */
const signedWith = (headers: Record<string, unknown>) =>
  /Credential=([A-Z0-9]+)\//.exec(String(headers.authorization ?? ''))?.[1];

async function identityFromEnv(job: Job) {
  return callerIdentity(stack.moto.url, envCredentials(job.visibleEnv()));
}

describe('aws-profile', () => {
  const awsDir = (job: Job) => path.join(job.dir, 'home', '.aws');
  const mode = (file: string) => fs.statSync(file).mode & 0o777;
  /** What a later `run:` step's AWS tools see: the job's AWS_* variables as they are now, and its HOME. */
  const laterStepEnv = (job: Job) => ({
    PATH: process.env.PATH ?? '',
    HOME: path.join(job.dir, 'home'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...Object.fromEntries(Object.entries(job.visibleEnv()).filter(([k]) => k.startsWith('AWS_'))),
  });

  test('with keys and a role: files 0600 in a 0700 dir, AWS_PROFILE exported, env credentials not', async () => {
    const job = stack.job();
    fs.mkdirSync(awsDir(job));
    const other = '[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = keep-me\n';
    fs.writeFileSync(path.join(awsDir(job), 'credentials'), other);
    fs.chmodSync(awsDir(job), 0o700);
    const result = await job.main({ ...keysAndRole(), 'aws-profile': 'ci' });
    expectSuccess(result);
    expect(result.env.AWS_PROFILE).toBe('ci');
    expect(result.env).not.toHaveProperty('AWS_ACCESS_KEY_ID');
    expect(result.summary).toContain('| Exported to later steps | yes: profile ci |');
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );

    const credentials = fs.readFileSync(path.join(awsDir(job), 'credentials'), 'utf8');
    expect(credentials.startsWith(other)).toBe(true);
    expect(credentials).toContain('[ci]');
    expect(fs.readFileSync(path.join(awsDir(job), 'config'), 'utf8')).toContain(
      '[profile ci]\nregion = eu-west-1',
    );
    expect(mode(awsDir(job))).toBe(0o700);
    expect(mode(path.join(awsDir(job), 'credentials'))).toBe(0o600);
    expect(mode(path.join(awsDir(job), 'config'))).toBe(0o600);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);

    // Real clients read it: the aws-cli and boto3, with nothing but HOME and the profile name.
    const clientEnv = {
      PATH: process.env.PATH ?? '',
      HOME: path.join(job.dir, 'home'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const cli = execFileSync(
      'aws',
      ['sts', 'get-caller-identity', '--profile', 'ci', '--endpoint-url', stack.moto.url, '--output', 'json'],
      { env: clientEnv, encoding: 'utf8' },
    );
    expect(JSON.parse(cli).Arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions');
    const boto = execFileSync(
      'python3',
      [
        '-c',
        'import boto3,sys; s=boto3.Session(profile_name="ci"); ' +
          'print(s.region_name, s.client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Arn"])',
        stack.moto.url,
      ],
      { env: clientEnv, encoding: 'utf8' },
    );
    expect(boto.trim()).toBe('eu-west-1 arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions');

    // The post step removes the profile and keeps the other one.
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(fs.readFileSync(path.join(awsDir(job), 'credentials'), 'utf8')).toBe(other);
    expect(fs.existsSync(path.join(awsDir(job), 'config'))).toBe(false);
    // Never empty (the aws-cli and boto3 would look for a profile named ""): it names one that is gone.
    expect(job.visibleEnv().AWS_PROFILE).toBe('aws-credentials-gate-env');
  });

  test('after an earlier use exported env credentials, the profile is what later steps use', async () => {
    const job = stack.job();
    expectSuccess(await job.main({ ...keysAndRole(), 'role-session-name': 'first' }));
    const first = job.visibleEnv();
    const result = await job.main({ ...keysAndRole(), 'role-session-name': 'second', 'aws-profile': 'ci' });
    expectSuccess(result);
    // The earlier credentials would win over AWS_PROFILE: cleared, and said so.
    expect(result.env).toMatchObject({ AWS_PROFILE: 'ci', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(result.stdout).toContain('would prefer them to AWS_PROFILE');

    // A later step's aws-cli, with the job's env as it is now, is the second session.
    const cli = execFileSync(
      'aws',
      ['sts', 'get-caller-identity', '--endpoint-url', stack.moto.url, '--output', 'json'],
      { env: laterStepEnv(job), encoding: 'utf8' },
    );
    expect(JSON.parse(cli).Arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/second');

    // The post step hands the first use's credentials back (this action exported them to the job).
    expect((await job.post()).exitCode).toBe(0);
    expect(job.visibleEnv().AWS_ACCESS_KEY_ID).toBe(first.AWS_ACCESS_KEY_ID);
    expect(job.visibleEnv().AWS_SECRET_ACCESS_KEY).toBe(first.AWS_SECRET_ACCESS_KEY);
    // AWS_PROFILE cannot be unset: it names a profile holding those same credentials.
    expect(job.visibleEnv().AWS_PROFILE).toBe('aws-credentials-gate-env');
    expect(fs.readFileSync(path.join(awsDir(job), 'credentials'), 'utf8')).toContain(
      `[aws-credentials-gate-env]\naws_access_key_id = ${first.AWS_ACCESS_KEY_ID}\n`,
    );
  });

  test('after an earlier use wrote a profile, a Node SDK step uses the env credentials, not that profile', async () => {
    const job = stack.job();
    expectSuccess(await job.main({ ...keysAndRole(), 'role-session-name': 'first', 'aws-profile': 'ci' }));
    const result = await job.main({ ...keysAndRole(), 'role-session-name': 'second' });
    expectSuccess(result);
    // The JavaScript SDK's default chain prefers AWS_PROFILE to AWS_ACCESS_KEY_ID, and an empty one breaks
    // the aws-cli and boto3: it names a profile written with the same credentials, and says so.
    expect(result.env.AWS_PROFILE).toBe('aws-credentials-gate-env');
    expect(result.stdout).toContain('AWS_PROFILE names profile aws-credentials-gate-env');
    const script =
      "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');" +
      'new STSClient({ endpoint: process.argv[1] }).send(new GetCallerIdentityCommand({}))' +
      '.then((r) => console.log(r.Arn), (e) => { console.error(e.message); process.exit(1); });';
    const arn = execFileSync(process.execPath, ['-e', script, stack.moto.url], {
      cwd: path.join(__dirname, '..', '..'),
      env: laterStepEnv(job),
      encoding: 'utf8',
    });
    expect(arn.trim()).toBe('arn:aws:sts::123456789012:assumed-role/deploy/second');

    // Its post step puts AWS_PROFILE back as the first use left it.
    await job.post();
    expect(job.visibleEnv().AWS_PROFILE).toBe('ci');
  });

  test('an existing profile is refused unless overwrite-aws-profile, and nothing is exported', async () => {
    const job = stack.job();
    const credentialsFile = path.join(job.dir, 'creds');
    const configFile = path.join(job.dir, 'conf');
    const old =
      '[ci]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old-profile-secret\n';
    fs.writeFileSync(credentialsFile, old, { mode: 0o600 });
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };
    const refused = await job.main({ ...keysAndRole(), 'aws-profile': 'ci' }, env);
    const message = expectFailure(refused);
    expect(stack.proxy.requests).toEqual([]);
    expect(message).toContain("'aws-profile'");
    expect(message).toContain('overwrite-aws-profile');
    expect(fs.readFileSync(credentialsFile, 'utf8')).toBe(old);

    const replaced = await job.main(
      { ...keysAndRole(), 'aws-profile': 'ci', 'overwrite-aws-profile': 'true' },
      env,
    );
    expectSuccess(replaced);
    expect(fs.readFileSync(credentialsFile, 'utf8')).not.toContain('AKIAOLDOLDOLDOLDOLD1');
    // The replaced profile's secrets are kept for the post step (in GITHUB_STATE): masked first.
    expect(JSON.stringify(replaced.state)).toContain('old-profile-secret');
    expectNoLeaks(replaced, 'old-profile-secret', 'AKIAOLDOLDOLDOLDOLD1');
    expect(fs.readFileSync(configFile, 'utf8')).toContain('[profile ci]');

    // The post step puts the earlier profile back, and says so.
    const post = await job.post(env);
    expect(post.stdout).toContain('Put back the earlier profile ci.');
    expect(fs.readFileSync(credentialsFile, 'utf8')).toContain('AKIAOLDOLDOLDOLDOLD1');
  });

  test('a symlinked credentials file is refused', async () => {
    const job = stack.job();
    const target = path.join(job.dir, 'elsewhere');
    fs.writeFileSync(target, '');
    const link = path.join(job.dir, 'link');
    fs.symlinkSync(target, link);
    const result = await job.main(
      { ...keysAndRole(), 'aws-profile': 'ci' },
      { AWS_SHARED_CREDENTIALS_FILE: link },
    );
    expect(expectFailure(result)).toContain('symbolic link');
    expect(stack.proxy.requests).toEqual([]);
    expect(fs.readFileSync(target, 'utf8')).toBe('');
  });

  test('output-env-credentials: true exports the env as well', async () => {
    const result = await stack
      .job()
      .main({ ...keysAndRole(), 'aws-profile': 'ci', 'output-env-credentials': 'true' });
    expectSuccess(result);
    expect(result.env.AWS_PROFILE).toBe('ci');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  });
});

describe('output-env-credentials: false', () => {
  test('with keys and a role: outputs only, no env', async () => {
    const result = await stack
      .job()
      .main({ ...keysAndRole(), 'output-env-credentials': 'false', 'output-credentials': 'true' });
    expectSuccess(result);
    expect(result.env).toEqual({});
    expect(result.outputs['aws-access-key-id']).toMatch(/^ASIA/);
    expect(result.outputs['authenticated-arn']).toContain('assumed-role/deploy');
  });
});

describe('role-chaining', () => {
  test("a second step assumes another role with the first step's credentials", async () => {
    const job = stack.job();
    const first = await job.main(keysAndRole());
    expectSuccess(first);
    const firstKey = first.env.AWS_ACCESS_KEY_ID;
    stack.proxy.clear();
    const second = await job.main({
      ...base(),
      'role-to-assume': 'arn:aws:iam::123456789012:role/next',
      'role-chaining': 'true',
      'role-session-name': 'chained',
    });
    expectSuccess(second);
    expect(assumeRequests()).toHaveLength(1);
    expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe(firstKey);
    expect(second.outputs['authenticated-arn']).toBe('arn:aws:sts::123456789012:assumed-role/next/chained');
    expect((await identityFromEnv(job)).Arn).toBe('arn:aws:sts::123456789012:assumed-role/next/chained');
  });

  test('GitHub OIDC, then a chained AssumeRole that sets the source identity (the README two steps)', async () => {
    const job = stack.job(stack.oidc.env);
    const first = await job.main({ ...base(), 'role-to-assume': ROLE });
    expectSuccess(first);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(stack.proxy.requests[0]?.params).not.toHaveProperty('SourceIdentity');
    const firstKey = first.env.AWS_ACCESS_KEY_ID;
    stack.proxy.clear();
    const second = await job.main({
      ...base(),
      'role-to-assume': 'arn:aws:iam::123456789012:role/next',
      'role-chaining': 'true',
      'role-source-identity': 'octocat',
    });
    expectSuccess(second);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
    expect(assumeRequests()[0]?.params.SourceIdentity).toBe('octocat');
    expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe(firstKey);
    expect((await identityFromEnv(job)).Arn).toBe(second.outputs['authenticated-arn']);
    expectNoLeaks(first, stack.oidc.issued.at(-1));
    expectNoLeaks(second, first.env.AWS_SECRET_ACCESS_KEY);
  });

  test("configure-aws-credentials' chain of profiles: the second step signs with the first's profile", async () => {
    const job = stack.job();
    const first = await job.main({ ...keysAndRole(), 'aws-profile': 'firstRoleInChain' });
    expectSuccess(first);
    stack.proxy.clear();
    // As in the incumbent's README: the step names the first profile in its env, and writes a second.
    const second = await job.main(
      {
        ...base(),
        'role-to-assume': 'arn:aws:iam::123456789012:role/next',
        'role-chaining': 'true',
        'role-session-name': 'chained',
        'aws-profile': 'secondRoleInChain',
      },
      { AWS_PROFILE: 'firstRoleInChain' },
    );
    expectSuccess(second);
    expect(assumeRequests()).toHaveLength(1);
    const firstKey = /aws_access_key_id = (\S+)/.exec(
      fs.readFileSync(path.join(job.dir, 'home', '.aws', 'credentials'), 'utf8'),
    )?.[1];
    expect(firstKey).toMatch(/^ASIA/);
    expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe(firstKey);
    expect(second.outputs['authenticated-arn']).toBe('arn:aws:sts::123456789012:assumed-role/next/chained');
    expect(second.env.AWS_PROFILE).toBe('secondRoleInChain');
  });

  test('a profile that gives nothing is refused, never replaced by other credentials the SDK could find', async () => {
    const containerCreds = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          AccessKeyId: 'AKIACONTAINERCREDS01',
          SecretAccessKey: 'container-secret',
          Token: 'container-token',
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => containerCreds.listen(0, '127.0.0.1', resolve));
    try {
      const address = containerCreds.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const result = await stack.job().main(
        { ...base(), 'role-to-assume': ROLE, 'role-chaining': 'true' },
        {
          AWS_PROFILE: 'no-such-profile',
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/creds`,
        },
      );
      expectRefused(result, 'role-chaining');
      expect(result.errors[0]).toContain('the profile AWS_PROFILE names ("no-such-profile")');
      expect(stack.proxy.requests).toEqual([]);
    } finally {
      containerCreds.close();
    }
  });

  test('without credentials in the environment it says so', async () => {
    const result = await stack.job().main({ ...base(), 'role-to-assume': ROLE, 'role-chaining': 'true' });
    expectRefused(result, 'role-chaining');
    expect(stack.proxy.requests).toEqual([]);
  });

  test('AWS refusing a chained session over an hour is explained as chaining, not MaxSessionDuration', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? {
            status: 400,
            body: stsError(
              'ValidationError',
              'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
            ),
          }
        : undefined;
    // Signed with a session from the environment, without role-chaining: only AWS can tell.
    const result = await stack
      .job({ AWS_ACCESS_KEY_ID: 'ASIAPREVIOUSSESSION1', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' })
      .main({ ...base(), 'role-to-assume': ROLE, 'role-duration-seconds': '7200' });
    const error = expectFailure(result);
    expect(error).toContain('role chaining');
    expect(error).toContain('Lower role-duration-seconds to 3600 or less');
    expect(error).not.toContain('MaxSessionDuration (');
    expect(assumeRequests()).toHaveLength(1);
  });
});

describe('AssumeRole parameters', () => {
  const sent = () => assumeRequests()[0]?.params ?? {};

  test('role-external-id and the default session tags', async () => {
    expectSuccess(await stack.job().main({ ...keysAndRole(), 'role-external-id': 'partner-7' }));
    expect(sent()).toMatchObject({
      ExternalId: 'partner-7',
      'Tags.member.1.Key': 'GitHub',
      'Tags.member.1.Value': 'Actions',
      'Tags.member.2.Key': 'Repository',
      'Tags.member.2.Value': 'octo-org/octo-repo',
    });
    const keys = Object.entries(sent())
      .filter(([k]) => /^Tags\.member\.\d+\.Key$/.test(k))
      .map(([, v]) => v);
    expect(keys).toEqual(['GitHub', 'Repository', 'Workflow', 'Action', 'Actor', 'Commit', 'Branch']);
  });

  test('managed-session-policies: a comma inside a policy name does not split the ARN', async () => {
    const policies = [
      'arn:aws:iam::123456789012:policy/deploy,read',
      'arn:aws:iam::123456789012:policy/team/site',
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
    ];
    const result = await stack.job().main({
      ...keysAndRole(),
      'managed-session-policies': `${policies[0]},${policies[1]}\n${policies[2]}`,
    });
    expectSuccess(result);
    const arns = Object.entries(sent())
      .filter(([k]) => /^PolicyArns\.member\.\d+\.arn$/.test(k))
      .map(([, v]) => v);
    expect(arns).toEqual(policies);
  });

  test('custom-tags and transitive-tag-keys', async () => {
    const result = await stack.job().main({
      ...keysAndRole(),
      'custom-tags': '{"Team":"web","Cost":42}',
      'transitive-tag-keys': 'Team\nRepository',
    });
    expectSuccess(result);
    const params = Object.entries(sent());
    const tag = (key: string) => {
      const at = params.find(([k, v]) => /^Tags\.member\.\d+\.Key$/.test(k) && v === key)?.[0];
      return at ? sent()[at.replace('.Key', '.Value')] : undefined;
    };
    expect([tag('Team'), tag('Cost')]).toEqual(['web', '42']);
    expect(sent()).toMatchObject({
      'TransitiveTagKeys.member.1': 'Team',
      'TransitiveTagKeys.member.2': 'Repository',
    });
  });

  test('role-skip-session-tagging sends none', async () => {
    expectSuccess(await stack.job().main({ ...keysAndRole(), 'role-skip-session-tagging': 'true' }));
    expect(Object.keys(sent()).some((k) => k.startsWith('Tags.'))).toBe(false);
  });

  test('PackedPolicyTooLarge: once more with the essential tags only', async () => {
    stack.proxy.fault = (r, i) =>
      r.operation === 'AssumeRole' && i === 0
        ? {
            status: 400,
            body: stsError('PackedPolicyTooLarge', 'Packed policy consumes 112% of allotted space'),
          }
        : undefined;
    const result = await stack.job().main({ ...keysAndRole(), 'custom-tags': '{"Team":"web"}' });
    expectSuccess(result);
    expect(assumeRequests()).toHaveLength(2);
    const retried = Object.entries(assumeRequests()[1]?.params ?? {}).filter(([k]) => k.endsWith('.Key'));
    expect(retried.map(([, v]) => v)).toEqual(['GitHub', 'Repository']);
  });

  test('role-source-identity is sent as SourceIdentity, and the session works', async () => {
    const job = stack.job();
    const result = await job.main({ ...keysAndRole(), 'role-source-identity': 'octocat' });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
    expect(sent()).toMatchObject({ RoleArn: ROLE, SourceIdentity: 'octocat' });
    expect((await identityFromEnv(job)).Arn).toBe(result.outputs['authenticated-arn']);
    // The job summary names it beside the session name.
    expect(result.summary).toContain('| Session name | GitHubActions |\n| Source identity | octocat |\n');
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });

  test('without role-source-identity no SourceIdentity is sent', async () => {
    const result = await stack.job().main(keysAndRole());
    expectSuccess(result);
    expect(sent()).not.toHaveProperty('SourceIdentity');
    expect(result.summary).not.toContain('Source identity');
  });

  test("a role given by name is in the caller's account", async () => {
    const result = await stack.job().main({ ...base(), ...KEYS, 'role-to-assume': 'deploy' });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity', 'AssumeRole']);
    expect(sent().RoleArn).toBe(ROLE);
  });
});

describe('credentials already in the environment', () => {
  const previous = { AWS_ACCESS_KEY_ID: 'AKIAPREVIOUSPREVIOUS', AWS_SECRET_ACCESS_KEY: 'previous-secret' };

  test('ambient: a role with no keys and no OIDC is assumed with the environment credentials', async () => {
    const result = await stack.job(previous).main({ ...base(), 'role-to-assume': ROLE });
    expectSuccess(result);
    expect(assumeRequests()).toHaveLength(1);
    expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe(previous.AWS_ACCESS_KEY_ID);
  });

  test('ambient: AWS_PROFILE from a shared credentials file', async () => {
    const job = stack.job();
    const file = path.join(job.dir, 'ambient-credentials');
    fs.writeFileSync(file, '[runner]\naws_access_key_id = AKIAFROMPROFILEFILE1\naws_secret_access_key = s\n');
    const result = await job.main(
      { ...base(), 'role-to-assume': ROLE },
      { AWS_PROFILE: 'runner', AWS_SHARED_CREDENTIALS_FILE: file },
    );
    expectSuccess(result);
    expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe('AKIAFROMPROFILEFILE1');
  });

  test('ambient: container credentials (ECS, CodeBuild, EKS Pod Identity runners)', async () => {
    const token = 'container-authorization-token';
    const container = {
      AccessKeyId: 'ASIAFROMCONTAINER001',
      SecretAccessKey: 'container-secret-access-key',
      Token: 'container-session-token',
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    };
    const asked: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.headers.authorization);
      if (req.headers.authorization !== token) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(container));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await stack.job().main(
        { ...base(), 'role-to-assume': ROLE },
        {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
        },
      );
      expectSuccess(result);
      expectNoLeaks(result);
      // The SDK's chain reads these; the action never holds them, so they are never printed at all.
      for (const secret of [container.SecretAccessKey, container.Token, token])
        expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
      expect(asked).toEqual([token]);
      expect(signedWith(assumeRequests()[0]?.headers ?? {})).toBe(container.AccessKeyId);
      expect(assumeRequests()[0]?.headers['x-amz-security-token']).toBe(container.Token);
      expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
      expect(result.env.AWS_ACCESS_KEY_ID).not.toBe(container.AccessKeyId);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('force-skip-oidc uses them even when OIDC is available', async () => {
    const result = await stack.job({ ...previous, ...stack.oidc.env }).main({
      ...base(),
      'role-to-assume': ROLE,
      'force-skip-oidc': 'true',
    });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
  });

  test('unset-current-credentials clears them first (so nothing is left to sign with)', async () => {
    const result = await stack
      .job(previous)
      .main({ ...base(), 'role-to-assume': ROLE, 'unset-current-credentials': 'true' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain('permissions: id-token: write');
    expect(result.env).toMatchObject({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(stack.proxy.requests).toEqual([]);
  });

  test('use-existing-credentials: valid ones are kept and nothing new is exported', async () => {
    const result = await stack.job(previous).main({ ...keysAndRole(), 'use-existing-credentials': 'true' });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
    expect(result.env).toEqual({});
  });

  test('use-existing-credentials without a role: valid ones are kept, outputs set, nothing new exported', async () => {
    const result = await stack.job(previous).main({ ...base(), 'use-existing-credentials': 'true' });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
    expect(result.env).toEqual({});
    expect(result.outputs['aws-account-id']).toBe('123456789012');
    expect(result.outputs['authenticated-arn']).toMatch(/^arn:aws:[a-z]+::123456789012:user\//);
    expect(result.stdout).toContain('nothing new exported');
  });

  test.each([
    ['none in the environment', {}, []],
    ['refused ones in the environment', previous, ['GetCallerIdentity']],
  ])(
    'use-existing-credentials without a role, %s: exit 1 saying both, no AssumeRole',
    async (_n, env, asked) => {
      stack.proxy.fault = (r) =>
        r.operation === 'GetCallerIdentity'
          ? {
              status: 403,
              body: stsError(
                'InvalidClientTokenId',
                'The security token included in the request is invalid.',
              ),
            }
          : undefined;
      const result = await stack.job(env).main({ ...base(), 'use-existing-credentials': 'true' });
      const message = expectFailure(result);
      expect(message).toContain('no valid credentials in the environment');
      expect(message).toContain('no role was given');
      expect(message).toContain("'role-to-assume'");
      expect(stack.proxy.requests.map((r) => r.operation)).toEqual(asked);
    },
  );

  test('use-existing-credentials: kept ones still meet allowed-account-ids', async () => {
    const result = await stack
      .job(previous)
      .main({ ...keysAndRole(), 'use-existing-credentials': 'true', 'allowed-account-ids': '111111111111' });
    expect(expectFailure(result)).toContain('not in allowed-account-ids');
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
  });

  test('use-existing-credentials: kept ones are masked, gated and reported like new ones', async () => {
    await seedBucket(
      stack.moto.url,
      { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
      'kept-bucket',
      ['a.txt'],
    );
    const result = await stack.job(previous).main({
      ...keysAndRole(),
      'use-existing-credentials': 'true',
      'mask-aws-account-id': 'true',
      's3-endpoint': stack.proxy.url,
      'verify-bucket': 'kept-bucket',
    });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity', 'S3:GET']);
    expect(signedWith(stack.proxy.requests[1]?.headers ?? {})).toBe(previous.AWS_ACCESS_KEY_ID);
    expect(result.masks).toContain('123456789012');
    expect(result.outputs).toMatchObject({
      'aws-account-id': '123456789012',
      'bucket-accessible': 'true',
      'bucket-object-count': '1',
    });
    expect(result.outputs['authenticated-arn']).toMatch(/^arn:aws:[a-z]+::123456789012:user\//); // moto says sts
    expect(result.env).toEqual({});
    // The job summary says what was used and checked, with the account hidden.
    expect(result.summary).toContain(
      '| Operation | credentials already in the environment (use-existing-credentials) |',
    );
    expect(result.summary).toContain('| Exported to later steps | yes: environment (already there) |');
    expect(result.summary).toContain('| Result | ✅ accessible |');
    expect(result.summary).not.toContain('123456789012');
    expect(result.summary).not.toContain('Session name');
  });

  test('use-existing-credentials: refused ones are replaced', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'GetCallerIdentity'
        ? {
            status: 403,
            body: stsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
          }
        : undefined;
    const result = await stack.job(previous).main({ ...keysAndRole(), 'use-existing-credentials': 'true' });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity', 'AssumeRole']);
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  });
});

describe('guards', () => {
  test.each([
    ['123456789012', true],
    ['111111111111,123456789012', true],
    ['111111111111', false],
  ])('allowed-account-ids %s', async (ids, allowed) => {
    const result = await stack.job().main({ ...keysAndRole(), 'allowed-account-ids': ids });
    if (allowed) expectSuccess(result);
    else expect(expectFailure(result)).toContain('account 123456789012, which is not in allowed-account-ids');
  });

  test('special-characters-workaround: asks again until the secret is letters and digits only', async () => {
    // Canned answers, so the test does not hang on moto's dice (a plain secret comes ~1 time in 4).
    const secrets = [
      'with/slash0000000000000000000000000000000',
      'with+plus00000000000000000000000000000000',
    ];
    const plain = 'OnlyLettersAndDigits00000000000000000000';
    const answer = (secret: string, n: number) => ({
      status: 200,
      body:
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
        `<AccessKeyId>ASIACANNED00000000${n}0</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey>` +
        `<SessionToken>canned-session-token-${n}</SessionToken>` +
        `<Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials>` +
        '<AssumedRoleUser><AssumedRoleId>AROACANNED:GitHubActions</AssumedRoleId>' +
        '<Arn>arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions</Arn></AssumedRoleUser>' +
        '</AssumeRoleResult><ResponseMetadata><RequestId>canned</RequestId></ResponseMetadata></AssumeRoleResponse>',
    });
    const answers = [...secrets, plain];
    let n = 0;
    stack.proxy.fault = (r) => {
      if (r.operation !== 'AssumeRole') return undefined;
      const secret = answers[n] ?? plain;
      return answer(secret, n++);
    };
    const result = await stack.job().main({ ...keysAndRole(), 'special-characters-workaround': 'true' });
    expectSuccess(result);
    expect(assumeRequests()).toHaveLength(3);
    expect(result.env.AWS_SECRET_ACCESS_KEY).toBe(plain);
    expect(result.env.AWS_SESSION_TOKEN).toBe('canned-session-token-2');
    // Every secret STS handed out, used or not, was masked.
    expectNoLeaks(result, ...secrets, plain, 'canned-session-token-0', 'canned-session-token-1');
  });
});

describe('inputs from plain environment variables', () => {
  test('ROLE_TO_ASSUME, ROLE_SESSION_NAME and AWS_REGION stand in for missing inputs', async () => {
    const job = stack.job({ ROLE_TO_ASSUME: ROLE, ROLE_SESSION_NAME: 'from-env', AWS_REGION: 'ap-south-1' });
    const result = await job.main({ 'sts-endpoint': stack.proxy.url, ...KEYS });
    expectSuccess(result);
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/from-env',
    );
    expect(result.env.AWS_REGION).toBe('ap-south-1');
  });

  test('an explicit input wins', async () => {
    const job = stack.job({ ROLE_SESSION_NAME: 'from-env' });
    const result = await job.main({ ...keysAndRole(), 'role-session-name': 'explicit' });
    expectSuccess(result);
    expect(result.outputs['authenticated-arn']).toContain('/explicit');
  });

  test('keys never come from AWS_ACCESS_KEY_ID (that would hijack OIDC)', async () => {
    const job = stack.job({
      AWS_ACCESS_KEY_ID: 'AKIAPREVIOUSPREVIOUS',
      AWS_SECRET_ACCESS_KEY: 'x',
      ...stack.oidc.env,
    });
    const result = await job.main({ ...base(), 'role-to-assume': ROLE });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
  });
});

describe('http-proxy', () => {
  const direct = () => ({
    ...KEYS,
    'aws-region': 'eu-west-1',
    'role-to-assume': ROLE,
    'sts-endpoint': stack.moto.url,
  });

  test('AWS requests go through the proxy', async () => {
    const result = await stack.job().main({ ...direct(), 'http-proxy': stack.proxy.url });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => [r.operation, r.viaProxy])).toEqual([['AssumeRole', true]]);
  });

  test('proxy variables apply per scheme: HTTP_PROXY to this http endpoint, not HTTPS_PROXY', async () => {
    const result = await stack
      .job({ HTTP_PROXY: stack.proxy.url, HTTPS_PROXY: 'http://127.0.0.1:9' })
      .main(direct());
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.viaProxy)).toEqual([true]);
  });

  test('no-proxy bypasses it (commas or spaces, as NO_PROXY is written)', async () => {
    const result = await stack
      .job()
      .main({ ...direct(), 'http-proxy': stack.proxy.url, 'no-proxy': 'localhost 127.0.0.1' });
    expectSuccess(result);
    expect(stack.proxy.requests).toEqual([]);
  });

  // Nothing listens on 127.0.0.1:9: a request sent to that proxy would fail the step.
  const DEAD_PROXY = 'http://127.0.0.1:9';

  test('an explicit http-proxy wins over lower-case proxy variables', async () => {
    const result = await stack
      .job({ http_proxy: DEAD_PROXY, https_proxy: DEAD_PROXY })
      .main({ ...direct(), 'http-proxy': stack.proxy.url });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.viaProxy)).toEqual([true]);
  });

  test('a proxy password is masked first; a bad proxy variable is named, the password hidden', async () => {
    const result = await stack.job({ HTTPS_PROXY: 'ftp://ci:hunter2-proxy@proxy.local:21' }).main(direct());
    const error = expectFailure(result);
    expect(error).toContain("Input 'http-proxy' (taken from the HTTPS_PROXY environment variable)");
    expect(error).toContain('"ftp://***@proxy.local:21"');
    expect(result.masks).toContain('hunter2-proxy');
    expectNoLeaks(result, 'hunter2-proxy');
    expect(stack.proxy.requests).toEqual([]);
  });
});

// AWS endpoints are HTTPS. Here an HTTPS front (self-signed, for 127.0.0.1) sits before the counting
// proxy, so STS and S3 are reached over TLS, and through the proxy with a CONNECT tunnel.
describe('HTTPS endpoints', () => {
  const BUCKET = 'tls-bucket';
  let front: TlsFront;
  beforeAll(async () => {
    front = await startTlsFront(stack.proxy.url);
    await seedBucket(
      stack.moto.url,
      { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
      BUCKET,
      ['index.html'],
    );
  });
  afterAll(() => front?.close());
  beforeEach(() => {
    front.handshakes = 0;
    front.refused = 0;
  });
  const overTls = () => ({
    ...KEYS,
    'aws-region': 'us-east-1',
    'role-to-assume': ROLE,
    'sts-endpoint': front.url,
  });

  test('through http-proxy: one CONNECT tunnel per service, the certificate trusted from NODE_EXTRA_CA_CERTS', async () => {
    const job = stack.job({ NODE_EXTRA_CA_CERTS: front.caFile });
    const result = await job.main({
      ...overTls(),
      // By name, as AWS endpoints are. (https-proxy-agent checks an IP endpoint's certificate against
      // "localhost": it drops both the host and the SNI name when the host is an IP address.)
      'sts-endpoint': front.namedUrl,
      's3-endpoint': front.namedUrl,
      'verify-bucket': BUCKET,
      'http-proxy': stack.proxy.url,
    });
    expectSuccess(result);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
    const host = new URL(front.namedUrl).host;
    expect(stack.proxy.tunnels).toEqual([host, host]);
    // The requests reached the proxy from the HTTPS front (as an endpoint), not as proxied plain HTTP.
    expect(stack.proxy.requests.map((r) => [r.operation, r.viaProxy])).toEqual([
      ['AssumeRole', false],
      ['S3:GET', false],
    ]);
    expect(front.handshakes).toBe(2);
    expect(result.outputs['bucket-accessible']).toBe('true');
    expect((await identityFromEnv(job)).Arn).toContain(':assumed-role/deploy/');
  });

  test('HTTPS_PROXY, not HTTP_PROXY, carries the https requests', async () => {
    const result = await stack
      .job({
        NODE_EXTRA_CA_CERTS: front.caFile,
        HTTPS_PROXY: stack.proxy.url,
        HTTP_PROXY: 'http://127.0.0.1:9',
      })
      .main({ ...overTls(), 'sts-endpoint': front.namedUrl });
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([new URL(front.namedUrl).host]);
  });

  test('a proxy variable written host:port is an http:// proxy, as curl reads it', async () => {
    const result = await stack
      .job({ NODE_EXTRA_CA_CERTS: front.caFile, https_proxy: new URL(stack.proxy.url).host })
      .main({ ...overTls(), 'sts-endpoint': front.namedUrl });
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([new URL(front.namedUrl).host]);
  });

  test('a blank lower-case proxy variable is ignored, not taken for a proxy', async () => {
    const result = await stack
      .job({ NODE_EXTRA_CA_CERTS: front.caFile, https_proxy: ' ', HTTPS_PROXY: stack.proxy.url })
      .main({ ...overTls(), 'sts-endpoint': front.namedUrl });
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([new URL(front.namedUrl).host]);
  });

  test('a certificate Node does not trust fails at once, not retried, and says how to trust it', async () => {
    const result = await stack.job().main(overTls());
    const error = expectFailure(result);
    expect(error).toContain('TLS');
    expect(error).toContain('NODE_EXTRA_CA_CERTS');
    expect(front.refused).toBe(1);
    expect(front.handshakes).toBe(0);
    expect(stack.proxy.requests).toEqual([]);
  });
  test('the S3 gate says the same when only S3 presents an untrusted certificate', async () => {
    const result = await stack.job().main({
      ...overTls(),
      'sts-endpoint': stack.proxy.url,
      's3-endpoint': front.url,
      'verify-bucket': BUCKET,
    });
    const error = expectFailure(result, heldGate(`${BUCKET}/`));
    expect(error).toContain(`Could not list bucket ${BUCKET}`);
    expect(error).toContain('NODE_EXTRA_CA_CERTS');
    expect(front.refused).toBe(1);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
  });
});

// Whoever can write to the checked bucket chooses its keys; the gate logs them. moto enforcing IAM
// (gate.test.ts) cannot sign such keys, so this runs here, without enforcement.
describe('untrusted text in the log', () => {
  const BUCKET = 'uploads';
  // moto cannot store a key holding LF; one holding CR comes back from the listing with LF (XML
  // normalises line ends), which is the line break that matters.
  const HOSTILE = ['::error title=owned::from a key', 'evil\r::add-mask::eu-west-1', '::stop-commands::x'];
  beforeAll(() =>
    seedBucket(
      stack.moto.url,
      { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
      BUCKET,
      HOSTILE,
    ),
  );

  test('object keys that look like workflow commands are logged as text, never run', async () => {
    const result = await stack
      .job()
      .main({ ...keysAndRole(), 's3-endpoint': stack.proxy.url, 'verify-bucket': BUCKET });
    expectSuccess(result);
    expect(result.outputs['bucket-object-count']).toBe('3');
    expect(result.commands.map((c) => c.name)).toEqual(
      expect.not.arrayContaining(['error', 'stop-commands']),
    );
    expect(result.masks).not.toContain('eu-west-1');
    expect(result.stdout).toContain('::error title=owned::from a key => "');
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });
});

describe('mask-aws-account-id on a refusal', () => {
  test('the role and caller accounts in the error are masked before it is printed', async () => {
    const denial =
      'User: arn:aws:iam::210987654321:user/dev is not authorized to perform: sts:AssumeRole on resource: ' +
      ROLE;
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status: 403, body: stsError('AccessDenied', denial) } : undefined;
    const result = await stack.job().main({ ...keysAndRole(), 'mask-aws-account-id': 'true' });
    const error = expectFailure(result);
    expect(error).toContain('123456789012');
    expect(result.masks).toEqual(expect.arrayContaining(['123456789012', '210987654321']));
    const lines = result.stdout.split('\n');
    const firstMention = lines.findIndex((l) => l.includes('123456789012') && !l.startsWith('::add-mask::'));
    const masked = lines.indexOf('::add-mask::123456789012');
    expect(masked).toBeGreaterThanOrEqual(0);
    expect(masked).toBeLessThan(firstMention);
    const callerMasked = lines.indexOf('::add-mask::210987654321');
    expect(callerMasked).toBeLessThan(lines.findIndex((l) => l.startsWith('::error::')));
  });
});
