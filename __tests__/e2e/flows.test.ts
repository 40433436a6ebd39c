/**
 * GetSessionToken, GetFederationToken and explained refusals, against moto with IAM enforcement on:
 * every request is signed, and role trust policies are checked.
 */
import { scenariosAt } from '../fixtures/inputs';
import { allow, bootstrapAdmin, callerIdentity, envCredentials, iamSeeder } from '../harness/aws';
import { stsError, xmlValue } from '../harness/proxy';
import type { Job, StepResult } from '../harness/runner';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();

type Keys = { accessKeyId: string; secretAccessKey: string; arn: string };
let dev: Keys; // may call STS and read roles
let blind: Keys; // may call STS, not IAM
let deployRole: string; // trusts someone else only
let shortRole: string; // trusts dev; MaxSessionDuration 3600
let openRole: string; // trusts dev
let sourcedRole: string; // trusts dev to assume it and set the source identity

beforeAll(async () => {
  const admin = await bootstrapAdmin(stack.moto);
  const seed = iamSeeder(stack.moto.url, admin);
  dev = await seed.user('dev', allow(['sts:*', 'iam:GetRole'], '*'));
  blind = await seed.user('blind', allow('sts:*', '*'));
  deployRole = await seed.role('deploy', ['arn:aws:iam::123456789012:user/someone-else']);
  shortRole = await seed.role('short', [dev.arn], { maxSessionDuration: 3600 });
  openRole = await seed.role('open', [dev.arn, blind.arn], { maxSessionDuration: 7200 });
  sourcedRole = await seed.role('sourced', [dev.arn], {
    actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
  });
  seed.close();
}, 60_000);

const inputs = (keys: Keys, more: Record<string, string>) => ({
  ...scenariosAt(stack.proxy.url, 'us-east-1').withKeys(keys),
  ...more,
});
/** IAM is reached through the proxy too, so every request is counted. */
const iamEnv = () => ({ AWS_ENDPOINT_URL_IAM: stack.proxy.url });

/**
 * moto grants any DurationSeconds whatever the role's MaxSessionDuration; AWS refuses one above it, in
 * these words. The proxy answers AssumeRole so; IAM requests still reach moto.
 */
function refuseDuration(): void {
  const refusal = stsError(
    'ValidationError',
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  );
  stack.proxy.fault = (r) => (r.operation === 'AssumeRole' ? { status: 400, body: refusal } : undefined);
}

function expiresInSeconds(result: StepResult): number {
  return (Date.parse(result.outputs['aws-expiration'] ?? '') - Date.now()) / 1000;
}

async function identityFromEnv(job: Job) {
  return callerIdentity(stack.moto.url, envCredentials(job.visibleEnv()));
}

/**
 * moto, when enforcing IAM, does not recognise credentials from GetSessionToken, so they cannot be used
 * here; instead check that the exported credentials are exactly the ones STS issued.
 */
function expectExportedAsIssued(result: StepResult, operation: string): void {
  const answer = stack.proxy.requests.find((r) => r.operation === operation)?.response?.body ?? '';
  expect(result.env.AWS_ACCESS_KEY_ID).toBe(xmlValue(answer, 'AccessKeyId'));
  expect(result.env.AWS_SECRET_ACCESS_KEY).toBe(xmlValue(answer, 'SecretAccessKey'));
  expect(result.env.AWS_SESSION_TOKEN).toBe(xmlValue(answer, 'SessionToken'));
}

describe('get-session-token', () => {
  test.each([
    ['default duration', {}, 3600],
    ['7200 seconds', { 'role-duration-seconds': '7200' }, 7200],
  ])('%s', async (_name, more, seconds) => {
    const job = stack.job();
    const result = await job.main(inputs(dev, { 'sts-operation': 'get-session-token', ...more }));
    expectSuccess(result);
    expect(Math.abs(expiresInSeconds(result) - seconds)).toBeLessThan(60);
    expect(result.env.AWS_CREDENTIAL_EXPIRATION).toBe(result.outputs['aws-expiration']);
    expect(result.outputs['authenticated-arn']).toBe(dev.arn);
    expect(result.outputs['aws-account-id']).toBe('123456789012');
    expect(stack.proxy.count('GetSessionToken')).toBe(1);
    expect(stack.proxy.requests.find((r) => r.operation === 'GetSessionToken')?.params.DurationSeconds).toBe(
      String(seconds),
    );
    expectExportedAsIssued(result, 'GetSessionToken');
    expectNoLeaks(result, dev.secretAccessKey, dev.accessKeyId);
  });

  test('without keys it signs with the credentials already in the environment', async () => {
    const job = stack.job({ AWS_ACCESS_KEY_ID: dev.accessKeyId, AWS_SECRET_ACCESS_KEY: dev.secretAccessKey });
    const result = await job.main({
      'aws-region': 'us-east-1',
      'sts-endpoint': stack.proxy.url,
      'sts-operation': 'get-session-token',
    });
    expectSuccess(result);
    expect(result.outputs['authenticated-arn']).toBe(dev.arn);
    expect(result.env.AWS_ACCESS_KEY_ID).not.toBe(dev.accessKeyId);
    expectExportedAsIssued(result, 'GetSessionToken');
  });

  test('with no credentials anywhere it fails at once and says what to pass', async () => {
    const result = await stack.job().main({
      'aws-region': 'us-east-1',
      'sts-endpoint': stack.proxy.url,
      'sts-operation': 'get-session-token',
    });
    const message = expectFailure(result);
    expect(message).toContain('no credentials to sign with');
    expect(stack.proxy.requests).toEqual([]);
  });
});

describe('get-federation-token', () => {
  test('a federated user limited by the inline policy', async () => {
    const policy = JSON.stringify(allow('s3:ListBucket', 'arn:aws:s3:::artifacts'));
    const job = stack.job();
    const result = await job.main(
      inputs(dev, {
        'sts-operation': 'get-federation-token',
        'federated-user-name': 'release-bot',
        'inline-session-policy': policy,
        'role-duration-seconds': '1800',
      }),
    );
    expectSuccess(result);
    expect(result.outputs['authenticated-arn']).toBe('arn:aws:sts::123456789012:federated-user/release-bot');
    expect(Math.abs(expiresInSeconds(result) - 1800)).toBeLessThan(60);
    const sent = stack.proxy.requests.find((r) => r.operation === 'GetFederationToken')?.params ?? {};
    expect(sent).toMatchObject({ Name: 'release-bot', DurationSeconds: '1800' });
    expect(JSON.parse(sent.Policy ?? '{}')).toEqual(JSON.parse(policy));
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetFederationToken']);
    expectExportedAsIssued(result, 'GetFederationToken');
    expectNoLeaks(result, dev.secretAccessKey);
  });
});

describe('AssumeRole refusals are explained and never retried', () => {
  test('a trust policy that names someone else', async () => {
    const result = await stack.job(iamEnv()).main(inputs(dev, { 'role-to-assume': deployRole }));
    const message = expectFailure(result);
    expect(message).toContain(`${dev.arn} may not assume ${deployRole}`);
    expect(message).toContain('its trust policy does not allow');
    expect(message).toContain(`add "${dev.arn}" as a principal`);
    expect(stack.proxy.count('AssumeRole')).toBe(1);
    expect(stack.proxy.count('GetRole')).toBe(1);
    expectNoLeaks(result, dev.secretAccessKey);
  });

  test('a role that does not exist', async () => {
    const missing = 'arn:aws:iam::123456789012:role/not-there';
    // moto lets anyone assume a role that does not exist; AWS refuses, in these words.
    const refusal = `User: ${dev.arn} is not authorized to perform: sts:AssumeRole on resource: ${missing}`;
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status: 403, body: stsError('AccessDenied', refusal) } : undefined;
    const result = await stack.job(iamEnv()).main(inputs(dev, { 'role-to-assume': missing }));
    const message = expectFailure(result);
    expect(message).toContain(`${dev.arn} may not assume ${missing}`);
    expect(message).toContain('does not exist');
    expect(stack.proxy.count('AssumeRole')).toBe(1);
  });

  test('without iam:GetRole it still names the caller and the role', async () => {
    const result = await stack.job(iamEnv()).main(inputs(blind, { 'role-to-assume': deployRole }));
    const message = expectFailure(result);
    expect(message).toContain(`${blind.arn} may not assume ${deployRole}`);
    expect(message).toContain('trust policy does not allow');
    expect(message).toContain('iam:GetRole failed: AccessDenied');
    expect(stack.proxy.count('AssumeRole')).toBe(1);
  });

  test('STS at a custom endpoint and no IAM endpoint: IAM is not asked, and the message says why', async () => {
    // Every request goes through the proxy: STS's as absolute URLs, one to AWS's public IAM as a CONNECT.
    const result = await stack.job().main({
      ...inputs(dev, { 'role-to-assume': deployRole }),
      'sts-endpoint': stack.moto.url,
      'http-proxy': stack.proxy.url,
    });
    const message = expectFailure(result);
    expect(message).toContain(`${dev.arn} may not assume ${deployRole}`);
    expect(message).toContain(
      'this explanation is partial: IAM was not asked, since STS is reached at a custom endpoint and ' +
        'neither AWS_ENDPOINT_URL_IAM nor AWS_ENDPOINT_URL names one for IAM',
    );
    expect(stack.proxy.tunnels).toEqual([]);
    expect(stack.proxy.count('GetRole')).toBe(0);
    expect(stack.proxy.count('AssumeRole')).toBe(1);
    expectNoLeaks(result, dev.secretAccessKey);
  });

  test('a duration above the role MaxSessionDuration: STS refuses it once, then IAM gives both numbers', async () => {
    refuseDuration();
    const result = await stack
      .job(iamEnv())
      .main(inputs(dev, { 'role-to-assume': shortRole, 'role-duration-seconds': '7200' }));
    const message = expectFailure(result);
    expect(message).toContain("'role-duration-seconds' asks for 7200 seconds");
    expect(message).toContain('at most 3600 seconds');
    // One STS request (refused, never retried), then the one IAM look-up that explains it.
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole', 'GetRole']);
    expectNoLeaks(result, dev.secretAccessKey);
  });

  test("another account's role of the same name: its local namesake's limit is not applied", async () => {
    const elsewhere = 'arn:aws:iam::111122223333:role/short';
    refuseDuration();
    const result = await stack
      .job(iamEnv())
      .main(inputs(dev, { 'role-to-assume': elsewhere, 'role-duration-seconds': '7200' }));
    // GetRole answered for 123456789012's short (3600 s): not the role asked for, so no limit is named.
    const message = expectFailure(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole', 'GetRole']);
    expect(message).toContain("the role's MaxSessionDuration (3600 seconds unless the role owner raised it)");
    expect(`${result.stdout}${result.stderr}`).not.toContain('at most 3600');
  });

  test("AccessDenied for another account's role: IAM is not asked, nor its local namesake's trust read", async () => {
    const elsewhere = 'arn:aws:iam::111122223333:role/open';
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? {
            status: 403,
            body: stsError(
              'AccessDenied',
              `User: ${dev.arn} is not authorized to perform: sts:AssumeRole on resource: ${elsewhere}`,
            ),
          }
        : undefined;
    const message = expectFailure(
      await stack.job(iamEnv()).main(inputs(dev, { 'role-to-assume': elsewhere })),
    );
    expect(message).toContain(`${dev.arn} may not assume ${elsewhere}`);
    expect(message).toContain("the role is in another account than the caller's");
    expect(message).not.toContain('The role exists');
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
  });

  test('a duration within a raised MaxSessionDuration is granted', async () => {
    const job = stack.job(iamEnv());
    const result = await job.main(
      inputs(dev, { 'role-to-assume': openRole, 'role-duration-seconds': '7200' }),
    );
    expectSuccess(result);
    expect(Math.abs(expiresInSeconds(result) - 7200)).toBeLessThan(60);
    // STS alone decides: no IAM look-up before it, so exactly one request.
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
    expect((await identityFromEnv(job)).Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/open/GitHubActions',
    );
  });

  test('the default duration asks STS alone', async () => {
    const result = await stack.job(iamEnv()).main(inputs(blind, { 'role-to-assume': openRole }));
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
  });
});

describe('role-source-identity', () => {
  const sourceIdentityOf = () =>
    stack.proxy.requests.find((r) => r.operation === 'AssumeRole')?.params.SourceIdentity;

  test('a trust policy allowing sts:SetSourceIdentity: SourceIdentity is sent, the session granted', async () => {
    const job = stack.job(iamEnv());
    const result = await job.main(
      inputs(dev, { 'role-to-assume': sourcedRole, 'role-source-identity': 'octocat' }),
    );
    expectSuccess(result);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole']);
    expect(sourceIdentityOf()).toBe('octocat');
    expect((await identityFromEnv(job)).Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/sourced/GitHubActions',
    );
    expectNoLeaks(result, dev.secretAccessKey);
  });

  // moto checks a trust policy for sts:AssumeRole only, never sts:SetSourceIdentity: AWS's refusal is
  // answered by the proxy, in AWS's words.
  test('AWS refusing sts:SetSourceIdentity: the error says it is missing from the trust policy', async () => {
    const refusal = `User: ${dev.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${openRole}`;
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status: 403, body: stsError('AccessDenied', refusal) } : undefined;
    const result = await stack
      .job(iamEnv())
      .main(inputs(dev, { 'role-to-assume': openRole, 'role-source-identity': 'octocat' }));
    const message = expectFailure(result);
    expect(message).toContain(
      'AWS refused sts:SetSourceIdentity: role-source-identity sent SourceIdentity "octocat", which needs it as ' +
        'well as sts:AssumeRole.',
    );
    expect(message).toContain(
      `Add "sts:SetSourceIdentity" to the Action of the trust policy statement that allows "${dev.arn}"`,
    );
    expect(message).toContain(`AWS said: ${refusal}`);
    expect(sourceIdentityOf()).toBe('octocat');
    expect(stack.proxy.count('AssumeRole')).toBe(1);
    expectNoLeaks(result, dev.secretAccessKey);
  });

  test('a refusal naming sts:AssumeRole, and a trust policy allowing it alone: SetSourceIdentity is named', async () => {
    const refusal = `User: ${dev.arn} is not authorized to perform: sts:AssumeRole on resource: ${openRole}`;
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status: 403, body: stsError('AccessDenied', refusal) } : undefined;
    const result = await stack
      .job(iamEnv())
      .main(inputs(dev, { 'role-to-assume': openRole, 'role-source-identity': 'octocat' }));
    const message = expectFailure(result);
    expect(message).toContain(
      `The role's trust policy allows ${dev.arn} sts:AssumeRole but not sts:SetSourceIdentity, which it needs as ` +
        'role-source-identity sent SourceIdentity "octocat".',
    );
    expect(message).toContain('or leave role-source-identity unset');
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole', 'GetRole']);
  });

  test('a trust policy naming someone else: that, and sts:SetSourceIdentity as well', async () => {
    const result = await stack
      .job(iamEnv())
      .main(inputs(dev, { 'role-to-assume': deployRole, 'role-source-identity': 'octocat' }));
    const message = expectFailure(result);
    expect(message).toContain('its trust policy does not allow');
    expect(message).toContain(
      `As role-source-identity sent SourceIdentity "octocat", the trust policy must allow sts:SetSourceIdentity for ${dev.arn} as well.`,
    );
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole', 'GetRole']);
  });
});
