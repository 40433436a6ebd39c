import {
  callerFromMessage,
  decodeJwtClaims,
  explainAssumeRoleDenied,
  explainChainedDurationTooLong,
  explainDurationTooLong,
  explainWebIdentityDenied,
  isChainedDurationRefusal,
  isDurationRefusal,
  loggableClaims,
  NO_IAM_ENDPOINT,
  trustAllows,
  untrustedTlsHint,
} from '../../src/aws/explain';
import { explainBucketFailure } from '../../src/aws/explain-bucket';

const DEV = 'arn:aws:iam::123456789012:user/dev';
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const trust = (principal: unknown, action: unknown = 'sts:AssumeRole', effect = 'Allow') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: effect, Principal: principal, Action: action }],
});

describe('trustAllows', () => {
  test.each([
    ['the caller by ARN', trust({ AWS: DEV }), DEV, true],
    ['the caller in a list', trust({ AWS: ['arn:aws:iam::1:user/x', DEV] }), DEV, true],
    ['the account root', trust({ AWS: 'arn:aws:iam::123456789012:root' }), DEV, true],
    ['the bare account id', trust({ AWS: '123456789012' }), DEV, true],
    ['anyone', trust('*'), DEV, true],
    ['sts:* actions', trust({ AWS: DEV }, 'sts:*'), DEV, true],
    ['someone else', trust({ AWS: 'arn:aws:iam::123456789012:user/other' }), DEV, false],
    ['another action only', trust({ AWS: DEV }, 'sts:TagSession'), DEV, false],
    ['a Deny statement', trust({ AWS: DEV }, 'sts:AssumeRole', 'Deny'), DEV, false],
    [
      'a federated principal only',
      trust({ Federated: 'arn:aws:iam::123456789012:oidc-provider/x' }),
      DEV,
      false,
    ],
    [
      'an assumed-role session is its role',
      trust({ AWS: 'arn:aws:iam::123456789012:role/ci' }),
      'arn:aws:sts::123456789012:assumed-role/ci/session-1',
      true,
    ],
    ['an unreadable document', undefined, DEV, undefined],
  ])('%s', (_name, policy, caller, expected) => {
    expect(trustAllows(policy, caller, 'sts:AssumeRole')).toBe(expected);
  });
});

describe('callerFromMessage', () => {
  test.each([
    [`User: ${DEV} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`, DEV],
    ['Access denied', undefined],
  ])('%s', (message, expected) => {
    expect(callerFromMessage(message)).toBe(expected);
  });
});

describe('decodeJwtClaims', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  test.each([
    ['a JWT', jwt({ sub: 's', aud: 'a' }), { sub: 's', aud: 'a' }],
    ['not a JWT', 'opaque-token', undefined],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c', undefined],
    ['a payload that is not an object', `a.${Buffer.from('3').toString('base64url')}.c`, undefined],
  ])('%s', (_name, token, expected) => {
    expect(decodeJwtClaims(token)).toEqual(expected);
  });

  test('only the non-secret claims are logged', () => {
    const lines = loggableClaims({ sub: 's', aud: 'a', ref: 'r', actor_id: '1', jti: 'x', exp: 1 });
    expect(lines).toEqual(['sub: "s"', 'aud: "a"', 'ref: "r"']);
  });
});

describe('messages', () => {
  test('AssumeRole denied with the role readable and the trust policy naming someone else', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: { found: true, maxSessionDuration: 3600, trustPolicy: trust({ AWS: 'x' }) },
      awsMessage: 'm',
    });
    expect(text).toBe(
      `AssumeRole refused: ${DEV} may not assume ${ROLE}. The role exists, but its trust policy does not allow ${DEV}: ` +
        `add "${DEV}" as a principal. AWS said: m`,
    );
  });

  test('AssumeRole denied although the trust policy names the caller points elsewhere', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: { found: true, maxSessionDuration: 3600, trustPolicy: trust({ AWS: DEV }) },
      awsMessage: 'm',
    });
    expect(text).toContain('own policies must allow sts:AssumeRole');
  });

  test('AssumeRole denied, IAM not asked (STS at a custom endpoint, none for IAM): one clause says so', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: { unknown: NO_IAM_ENDPOINT },
      awsMessage: 'm',
    });
    expect(text).toBe(
      `AssumeRole refused: ${DEV} may not assume ${ROLE}. Either the role's trust policy does not allow ${DEV}, ` +
        `or ${DEV} lacks sts:AssumeRole on the role (this explanation is partial: IAM was not asked, since STS is ` +
        'reached at a custom endpoint and neither AWS_ENDPOINT_URL_IAM nor AWS_ENDPOINT_URL names one for IAM, ' +
        `so the role could not be inspected). Add "${DEV}" as a principal of the trust policy. AWS said: m`,
    );
  });

  test('AssumeRole denied with nothing known', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: undefined,
      role: undefined,
      awsMessage: 'm',
    });
    expect(text).toContain('the signing credentials may not assume');
  });

  test('web identity denied says a token carrying a source identity needs sts:SetSourceIdentity', () => {
    const claims = { sub: 's', aud: 'a', 'https://aws.amazon.com/source_identity': 'alice' };
    expect(explainWebIdentityDenied(ROLE, claims, 'm')).toContain(
      'The token carries a source identity ("alice", claim https://aws.amazon.com/source_identity), so the ' +
        'trust policy must allow sts:SetSourceIdentity as well. AWS said: m',
    );
    expect(explainWebIdentityDenied(ROLE, { sub: 's', aud: 'a' }, 'm')).not.toContain('SetSourceIdentity');
  });

  test.each([
    [3600, 'at most 3600 seconds'],
    [undefined, "the role's MaxSessionDuration (3600 seconds unless"],
  ])('duration too long, limit %p', (max, shown) => {
    expect(explainDurationTooLong(ROLE, 7200, max)).toContain(shown);
  });

  test('web identity denied names sub and aud', () => {
    const text = explainWebIdentityDenied(
      ROLE,
      { sub: 'repo:o/r:ref:refs/heads/main', aud: ['sts.amazonaws.com'] },
      'm',
    );
    expect(text).toContain('sub "repo:o/r:ref:refs/heads/main" and aud "sts.amazonaws.com"');
  });

  test.each([
    ['The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', true],
    ['Not authorized', false],
  ])('isDurationRefusal(%s)', (message, expected) => {
    expect(isDurationRefusal(message)).toBe(expected);
  });
});

describe('an untrusted TLS certificate', () => {
  test('the hint names the service and the variable that fixes it', () => {
    const hint = untrustedTlsHint('STS');
    expect(hint).toContain('TLS certificate presented for STS');
    expect(hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  test('the gate says it too, instead of "could not reach"', () => {
    const reason = explainBucketFailure({
      bucket: 'site',
      prefix: '',
      principal: ROLE,
      region: 'us-east-1',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      kind: 'tls',
      message: 'self-signed certificate in certificate chain',
    });
    expect(reason).toBe(
      'Could not list bucket site: SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain. ' +
        untrustedTlsHint('S3'),
    );
  });
});

describe("an answer that was not S3's", () => {
  const base = { bucket: 'site', prefix: '', principal: ROLE, region: 'us-east-1' };
  test.each([
    [403, 'HtmlAnswer', 'the endpoint answered HTML (HTTP 403), not S3'],
    [
      301,
      'Redirect',
      'the endpoint redirected to https://portal.example.com/ (HTTP 301) instead of answering as S3 does',
    ],
  ])('HTTP %s is said as it was, not as S3 refusing or a wrong region', (status, code, message) => {
    const reason = explainBucketFailure({ ...base, status, code, message, kind: 'other', foreign: 'x' });
    expect(reason).toBe(`Could not list bucket site: ${message}.`);
  });

  test("a redirect naming the bucket's region is S3's own", () => {
    const reason = explainBucketFailure({
      ...base,
      status: 301,
      code: 'Redirect',
      message: 'the endpoint redirected to x (HTTP 301) instead of answering as S3 does',
      foreign: 'redirect',
      bucketRegion: 'eu-west-1',
    });
    expect(reason).toContain('is in eu-west-1, not us-east-1');
  });
});

describe('a chained session over an hour', () => {
  const aws =
    'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
  test('is told apart from MaxSessionDuration', () => {
    expect(isChainedDurationRefusal(aws)).toBe(true);
    expect(
      isChainedDurationRefusal(
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      ),
    ).toBe(false);
  });
  test('says what to change', () => {
    expect(explainChainedDurationTooLong(ROLE, 7200)).toBe(
      `Input 'role-duration-seconds' asks for 7200 seconds, but ${ROLE} is assumed with another role's ` +
        "temporary credentials (role chaining), and AWS limits such sessions to 3600 seconds whatever the role's " +
        'MaxSessionDuration. Lower role-duration-seconds to 3600 or less.',
    );
  });
});

describe('AssumeRole denied when a source identity is set', () => {
  const readable = (policy: unknown) => ({
    found: true as const,
    maxSessionDuration: 3600,
    trustPolicy: policy,
  });
  const denied = (awsMessage: string) =>
    `User: ${DEV} is not authorized to perform: ${awsMessage} on resource: ${ROLE}`;
  const GRANT =
    `Add "sts:SetSourceIdentity" to the Action of the trust policy statement that allows "${DEV}" ` +
    `(and to ${DEV}'s own policy wherever it allows sts:AssumeRole on the role)`;

  test('AWS naming sts:SetSourceIdentity: the cause, the value sent and the fix', () => {
    const awsMessage = denied('sts:SetSourceIdentity');
    expect(
      explainAssumeRoleDenied({
        roleArn: ROLE,
        caller: DEV,
        role: undefined,
        awsMessage,
        sourceIdentity: 'octocat',
      }),
    ).toBe(
      `AssumeRole refused: ${DEV} may not assume ${ROLE}. AWS refused sts:SetSourceIdentity: role-source-identity ` +
        `sent SourceIdentity "octocat", which needs it as well as sts:AssumeRole. ${GRANT}, or leave ` +
        `role-source-identity unset. AWS said: ${awsMessage}`,
    );
  });

  test('a trust policy allowing sts:AssumeRole alone: the missing action is the cause', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: readable(trust({ AWS: DEV })),
      awsMessage: 'Access denied',
      sourceIdentity: 'octocat',
    });
    expect(text).toContain(
      `The role's trust policy allows ${DEV} sts:AssumeRole but not sts:SetSourceIdentity, which it needs as ` +
        `role-source-identity sent SourceIdentity "octocat". ${GRANT}, or leave role-source-identity unset.`,
    );
    expect(text).not.toContain('refusal comes from elsewhere');
  });

  test.each([
    ['both actions', ['sts:AssumeRole', 'sts:SetSourceIdentity']],
    ['sts:*', 'sts:*'],
  ])('a trust policy allowing %s: the refusal comes from elsewhere', (_name, action) => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: readable(trust({ AWS: DEV }, action)),
      awsMessage: 'Access denied',
      sourceIdentity: 'octocat',
    });
    expect(text).toContain('refusal comes from elsewhere');
    expect(text).toContain('the trust policy must allow sts:SetSourceIdentity for');
  });

  test.each([
    ['the role unreadable', undefined, 'lacks sts:AssumeRole on the role'],
    ['a trust policy naming someone else', readable(trust({ AWS: 'x' })), 'its trust policy does not allow'],
  ])('%s: the other reasons, and SetSourceIdentity as well', (_name, role, reason) => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role,
      awsMessage: 'Access denied',
      sourceIdentity: 'octocat',
    });
    expect(text).toContain(reason);
    expect(text).toContain(
      `As role-source-identity sent SourceIdentity "octocat", the trust policy must allow sts:SetSourceIdentity for ${DEV} as well.`,
    );
  });

  test('no source identity sent, none named: nothing said of it', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: undefined,
      awsMessage: 'Access denied',
    });
    expect(text).not.toContain('SourceIdentity');
  });

  test('none sent but AWS names it: the signing session already has one', () => {
    const text = explainAssumeRoleDenied({
      roleArn: ROLE,
      caller: DEV,
      role: undefined,
      awsMessage: denied('sts:SetSourceIdentity'),
    });
    expect(text).toContain('the signing credentials are a session that already has a source identity');
    expect(text).toContain(`${GRANT}.`);
    expect(text).not.toContain('leave role-source-identity unset');
  });
});
