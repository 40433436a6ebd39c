/**
 * The committed bundles, run as the runner runs them, against moto_server on loopback.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEYS, ROLE, scenariosAt } from '../fixtures/inputs';
import { callerIdentity, envCredentials } from '../harness/aws';
import { githubClaims, makeJwt } from '../harness/oidc';
import { stsError } from '../harness/proxy';
import type { Job, StepResult } from '../harness/runner';
import {
  CREDENTIAL_ENV,
  expectFailure,
  expectNoLeaks,
  expectSuccess,
  expectRefused as refused,
  useStack,
} from './stack';

const stack = useStack();
const newJob = (env: Record<string, string | undefined> = {}) => stack.job(env);
const base = () => scenariosAt(stack.proxy.url, 'us-east-1').base;

/** Uses the exported credentials for a real call and returns the identity moto sees. */
async function identityFromEnv(job: Job) {
  return callerIdentity(stack.moto.url, envCredentials(job.visibleEnv()));
}

describe('keys -> AssumeRole', () => {
  test('exports working credentials with one STS request and no extra GetCallerIdentity', async () => {
    const job = newJob();
    const result = await job.main({
      ...base(),
      ...KEYS,
      'role-to-assume': ROLE,
      'role-duration-seconds': '900',
    });
    expectSuccess(result);

    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
    const sent = stack.proxy.requests[0]?.params ?? {};
    expect(sent).toMatchObject({ RoleArn: ROLE, RoleSessionName: 'GitHubActions', DurationSeconds: '900' });

    expect(result.outputs['aws-account-id']).toBe('123456789012');
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );
    const expires = Date.parse(result.outputs['aws-expiration'] ?? '');
    expect(Math.abs(expires - (Date.now() + 900_000))).toBeLessThan(60_000);
    expect(result.outputs['aws-expiration']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(result.env.AWS_CREDENTIAL_EXPIRATION).toBe(result.outputs['aws-expiration']);
    expect(result.env.AWS_REGION).toBe('us-east-1');
    expect(result.env.AWS_DEFAULT_REGION).toBe('us-east-1');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(result.env.AWS_SESSION_TOKEN).toBeTruthy();
    expect(result.outputs).not.toHaveProperty('aws-secret-access-key');

    const identity = await identityFromEnv(job);
    expect(identity.Arn).toBe(result.outputs['authenticated-arn']);
    expectNoLeaks(result, KEYS['aws-secret-access-key'], KEYS['aws-access-key-id']);
  });

  test('output-credentials sets masked credential outputs that match the env', async () => {
    const job = newJob();
    const result = await job.main({
      ...base(),
      ...KEYS,
      'role-to-assume': ROLE,
      'output-credentials': 'true',
    });
    expectSuccess(result);
    expect(result.outputs['aws-access-key-id']).toBe(result.env.AWS_ACCESS_KEY_ID);
    expect(result.outputs['aws-secret-access-key']).toBe(result.env.AWS_SECRET_ACCESS_KEY);
    expect(result.outputs['aws-session-token']).toBe(result.env.AWS_SESSION_TOKEN);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });

  test('session name and AWS_ENDPOINT_URL_STS are honoured', async () => {
    const job = newJob({ AWS_ENDPOINT_URL_STS: stack.proxy.url });
    const result = await job.main({
      'aws-region': 'eu-west-1',
      ...KEYS,
      'role-to-assume': ROLE,
      'role-session-name': 'build-42',
    });
    expectSuccess(result);
    expect(stack.proxy.count('AssumeRole')).toBe(1);
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/build-42',
    );
    expect(result.env.AWS_REGION).toBe('eu-west-1');
  });
});

describe('GitHub OIDC -> AssumeRoleWithWebIdentity', () => {
  test('requests a token with the default audience and exchanges it', async () => {
    const job = newJob(stack.oidc.env);
    const before = stack.oidc.requests.length;
    const result = await job.main({ ...base(), 'role-to-assume': ROLE });
    expectSuccess(result);

    const asked = stack.oidc.requests.slice(before);
    expect(asked).toEqual([expect.objectContaining({ audience: 'sts.amazonaws.com', authorized: true })]);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    const token = stack.oidc.issued.at(-1);
    expect(stack.proxy.requests[0]?.params.WebIdentityToken).toBe(token);
    expect(stack.proxy.requests[0]?.headers.authorization).toBeUndefined();

    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );
    const identity = await identityFromEnv(job);
    expect(identity.Arn).toBe(result.outputs['authenticated-arn']);
    expectNoLeaks(result, token);
  });

  test('passes a custom audience', async () => {
    const job = newJob(stack.oidc.env);
    const before = stack.oidc.requests.length;
    const result = await job.main({
      ...base(),
      'role-to-assume': ROLE,
      audience: 'https://github.com/octo-org',
    });
    expectSuccess(result);
    expect(stack.oidc.requests.slice(before)).toEqual([
      expect.objectContaining({ audience: 'https://github.com/octo-org', authorized: true }),
    ]);
  });

  test('an empty audience is refused before any request', async () => {
    const job = newJob(stack.oidc.env);
    const before = stack.oidc.requests.length;
    const result = await job.main({ ...base(), 'role-to-assume': ROLE, audience: '' });
    expectRefused(result, 'audience');
    expect(stack.oidc.requests.length).toBe(before);
  });
});

describe('web identity refusals are explained with the token claims', () => {
  test('AccessDenied names the sub and aud the trust policy must allow, after one request', async () => {
    stack.proxy.fault = (request) =>
      request.operation === 'AssumeRoleWithWebIdentity'
        ? {
            status: 403,
            body: stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
          }
        : undefined;
    const job = newJob(stack.oidc.env);
    const result = await job.main({ ...base(), 'role-to-assume': ROLE });
    const message = expectFailure(result);
    expect(message).toContain('sub "repo:octo-org/octo-repo:ref:refs/heads/main"');
    expect(message).toContain('aud "sts.amazonaws.com"');
    expect(message).toContain(ROLE);
    expect(stack.proxy.count('AssumeRoleWithWebIdentity')).toBe(1);
    expectNoLeaks(result, stack.oidc.issued.at(-1));
  });

  test('a token carrying a source identity claim: the trust policy needs sts:SetSourceIdentity too', async () => {
    stack.proxy.fault = (request) =>
      request.operation === 'AssumeRoleWithWebIdentity'
        ? {
            status: 403,
            body: stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
          }
        : undefined;
    const job = newJob();
    const token = makeJwt({
      ...githubClaims('sts.amazonaws.com'),
      'https://aws.amazon.com/source_identity': 'octocat',
    });
    fs.writeFileSync(path.join(job.dir, 'workspace', 'token.jwt'), token);
    const result = await job.main({
      ...base(),
      'role-to-assume': ROLE,
      'web-identity-token-file': 'token.jwt',
    });
    const message = expectFailure(result);
    expect(message).toContain(
      'The token carries a source identity ("octocat", claim https://aws.amazon.com/source_identity), so the ' +
        'trust policy must allow sts:SetSourceIdentity as well.',
    );
    expect(stack.proxy.requests[0]?.params).not.toHaveProperty('SourceIdentity');
    expect(stack.proxy.count('AssumeRoleWithWebIdentity')).toBe(1);
    expectNoLeaks(result, token);
  });

  test('the non-secret claims are logged in a collapsed group', async () => {
    const result = await newJob(stack.oidc.env).main({ ...base(), 'role-to-assume': ROLE });
    expectSuccess(result);
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('::group::Web identity token claims');
    const end = lines.indexOf('::endgroup::', start);
    expect(start).toBeGreaterThanOrEqual(0);
    const logged = lines.slice(start + 1, end);
    expect(logged).toContain('sub: "repo:octo-org/octo-repo:ref:refs/heads/main"');
    expect(logged).toContain(
      'job_workflow_ref: "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main"',
    );
    expect(logged.some((line) => line.startsWith('iat') || line.startsWith('exp'))).toBe(false);
  });
});

describe('web identity token file', () => {
  test('a relative path is read from the workspace', async () => {
    const job = newJob();
    const token = `file-token-${Date.now()}.payload.signature`;
    fs.writeFileSync(path.join(job.dir, 'workspace', 'token.jwt'), `${token}\n`);
    const result = await job.main({
      ...base(),
      'role-to-assume': ROLE,
      'web-identity-token-file': 'token.jwt',
    });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(stack.proxy.requests[0]?.params.WebIdentityToken).toBe(token);
    expect((await identityFromEnv(job)).Arn).toBe(result.outputs['authenticated-arn']);
    expectNoLeaks(result, token);
  });

  test('a missing file is an input error, and STS is not called', async () => {
    const job = newJob();
    const result = await job.main({
      ...base(),
      'role-to-assume': ROLE,
      'web-identity-token-file': 'nope.jwt',
    });
    expectRefused(result, 'web-identity-token-file');
    expect(result.errors[0]).toContain('ENOENT');
  });
});

describe('keys without a role', () => {
  test('are checked with GetCallerIdentity and exported as given', async () => {
    const job = newJob({ AWS_SESSION_TOKEN: 'stale-token-from-an-earlier-step' });
    const result = await job.main({ ...base(), ...KEYS });
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
    expect(result.env.AWS_ACCESS_KEY_ID).toBe(KEYS['aws-access-key-id']);
    expect(result.env.AWS_SECRET_ACCESS_KEY).toBe(KEYS['aws-secret-access-key']);
    expect(result.env.AWS_SESSION_TOKEN).toBe('');
    expect(result.outputs['aws-account-id']).toBe('123456789012');
    expect(result.outputs['aws-expiration']).toBe('');
    expect((await identityFromEnv(job)).Account).toBe('123456789012');
    expectNoLeaks(result, KEYS['aws-secret-access-key'], KEYS['aws-access-key-id']);
  });
});

describe('refusals', () => {
  test('the OIDC token service refusing is said as such, not blamed on the permission', async () => {
    const job = stack.job({ ...stack.oidc.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-request-token' });
    const message = expectFailure(
      await job.main({ 'aws-region': 'eu-west-1', 'sts-endpoint': stack.proxy.url, 'role-to-assume': ROLE }),
    );
    expect(message).toContain('Could not get a GitHub OIDC token for audience "sts.amazonaws.com"');
    expect(message).toContain("GitHub's token service refused or failed");
    expect(message).not.toContain('permissions: id-token: write');
    expect(stack.proxy.requests).toEqual([]);
  });

  test('a role with no way to sign says how to fix it', async () => {
    const job = newJob();
    const result = await job.main({ ...base(), 'role-to-assume': ROLE });
    expectRefused(result, 'role-to-assume');
    expect(result.errors[0]).toContain('permissions: id-token: write');
    expect(result.errors[0]).toContain('aws-access-key-id');
    expect(result.errors[0]).toContain("where the AWS SDK's default chain finds them");
  });

  test.each([
    ['role-duration-seconds', { 'role-duration-seconds': '100' }, '"100"'],
    ['role-duration-seconds', { 'role-duration-seconds': 'abc' }, '"abc"'],
    ['role-session-name', { 'role-session-name': 'has space' }, '"has space"'],
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::123456789012:user/bob' }, 'role ARN'],
    ['aws-region', { 'aws-region': 'us east 1' }, '"us east 1"'],
    ['output-credentials', { 'output-credentials': 'yes' }, 'true or false'],
    ['aws-secret-access-key', { 'aws-secret-access-key': '' }, 'aws-access-key-id was given'],
    ['sts-endpoint', { 'sts-endpoint': 'ftp://example' }, 'http://'],
    ['sts-operation', { 'sts-operation': 'assume' }, 'one of auto'],
  ])('%s: %j is refused before any request', async (input, override, shown) => {
    const job = newJob();
    const inputs: Record<string, string> = { ...base(), ...KEYS, 'role-to-assume': ROLE, ...override };
    const result = await job.main(inputs);
    expectRefused(result, input);
    expect(result.errors[0]).toContain(shown);
    expectNoLeaks(result, inputs['aws-secret-access-key']);
  });

  test.each([
    ['role-to-assume', { 'sts-operation': 'get-session-token', 'role-to-assume': ROLE }, 'not used by'],
    ['federated-user-name', { 'sts-operation': 'get-federation-token' }, 'required'],
    [
      'federated-user-name',
      { 'sts-operation': 'get-federation-token', 'federated-user-name': 'x' },
      '2 to 32',
    ],
    [
      'role-duration-seconds',
      { 'sts-operation': 'get-session-token', 'role-duration-seconds': '129601' },
      '129600',
    ],
    [
      'inline-session-policy',
      { 'role-to-assume': ROLE, 'inline-session-policy': '{"Version":' },
      'not valid JSON',
    ],
    [
      'managed-session-policies',
      { 'role-to-assume': ROLE, 'managed-session-policies': 'arn:aws:iam::aws:role/x' },
      'policy ARNs',
    ],
  ])('%s for the token flows: %j is refused before any request', async (input, override, shown) => {
    const result = await newJob().main({ ...base(), ...KEYS, ...override });
    expectRefused(result, input);
    expect(result.errors[0]).toContain(shown);
  });
});

describe('post step', () => {
  test('clears what the main step exported and never fails', async () => {
    const job = newJob();
    const main = await job.main({ ...base(), ...KEYS, 'role-to-assume': ROLE });
    expectSuccess(main);
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    for (const name of [...CREDENTIAL_ENV, 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CREDENTIAL_EXPIRATION']) {
      expect(job.visibleEnv()[name]).toBe('');
    }
    expectNoLeaks(post);
  });

  test('warns instead of failing on unreadable state', async () => {
    const job = newJob();
    job.state = { restore: '{not json' };
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.warnings[0]).toContain('Cleanup skipped');
  });
});

/** Refused before any AWS request. */
function expectRefused(result: StepResult, input: string): void {
  refused(result, input);
  expect(stack.proxy.requests).toEqual([]);
}
