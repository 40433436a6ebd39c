import { InputError } from '../../src/errors';
import { getConfig } from '../../src/inputs/config';
import { proxySecrets } from '../../src/inputs/proxy';
import { StsOperation } from '../../src/names';
import { KEYS, ROLE, reader, scenarios } from '../fixtures/inputs';

const env = { GITHUB_WORKSPACE: '/work/space' };
const config = (inputs: Record<string, string>, e: Record<string, string> = env) =>
  getConfig(reader(inputs), e);

describe('getConfig: accepted inputs', () => {
  test('defaults', () => {
    expect(config(scenarios.oidc)).toEqual({
      region: 'eu-west-1',
      roleArn: ROLE,
      keys: undefined,
      sessionName: 'GitHubActions',
      durationSeconds: 3600,
      audience: '',
      webIdentityTokenFile: undefined,
      stsEndpoint: undefined,
      operation: StsOperation.Auto,
      outputCredentials: false,
      iamEndpoint: undefined,
      federatedUserName: undefined,
      sessionPolicy: undefined,
      managedPolicyArns: [],
      verify: undefined,
      s3Endpoint: undefined,
      jobSummary: true,
      maskAccountId: false,
      profile: undefined,
      profiles: undefined,
      overwriteProfiles: false,
      outputEnvCredentials: true,
      refresh: false,
      roleChaining: false,
      externalId: undefined,
      sourceIdentity: undefined,
      tagging: { tags: [{ Key: 'GitHub', Value: 'Actions' }], transitiveTagKeys: [] },
      unsetCurrentCredentials: false,
      useExistingCredentials: false,
      allowedAccountIds: [],
      specialCharactersWorkaround: false,
      forceSkipOidc: false,
      retry: { maxAttempts: 12 },
      timeoutMs: undefined,
      proxy: undefined,
    });
  });

  test.each([
    ['role-duration-seconds at the bounds', { 'role-duration-seconds': '900' }, { durationSeconds: 900 }],
    ['role-duration-seconds max', { 'role-duration-seconds': '43200' }, { durationSeconds: 43200 }],
    ['session name charset', { 'role-session-name': 'a+b=c,d.e@f_g-h' }, { sessionName: 'a+b=c,d.e@f_g-h' }],
    [
      'role with a path',
      { 'role-to-assume': 'arn:aws:iam::123456789012:role/ci/deploy' },
      { roleArn: 'arn:aws:iam::123456789012:role/ci/deploy' },
    ],
    [
      'gov partition',
      { 'role-to-assume': 'arn:aws-us-gov:iam::123456789012:role/x' },
      { roleArn: 'arn:aws-us-gov:iam::123456789012:role/x' },
    ],
    ['gov region', { 'aws-region': 'us-gov-west-1' }, { region: 'us-gov-west-1' }],
    ['booleans as YAML writes them', { 'output-credentials': 'True' }, { outputCredentials: true }],
    [
      'relative token file',
      { 'web-identity-token-file': 'tok/en.jwt' },
      { webIdentityTokenFile: '/work/space/tok/en.jwt' },
    ],
    ['absolute token file', { 'web-identity-token-file': '/tmp/t' }, { webIdentityTokenFile: '/tmp/t' }],
    ['sts-endpoint', { 'sts-endpoint': 'http://127.0.0.1:5000' }, { stsEndpoint: 'http://127.0.0.1:5000' }],
    ['explicit operation', { 'sts-operation': 'assume-role' }, { operation: StsOperation.AssumeRole }],
    [
      'token operations allow 36 hours',
      { 'sts-operation': 'get-session-token', 'role-duration-seconds': '129600' },
      { durationSeconds: 129600 },
    ],
    ['federated user', { 'federated-user-name': 'bot@ci' }, { federatedUserName: 'bot@ci' }],
    [
      'policy is minified',
      { 'inline-session-policy': '{ "Version": "2012-10-17" }' },
      { sessionPolicy: '{"Version":"2012-10-17"}' },
    ],
    [
      'managed policies, lines and commas',
      {
        'managed-session-policies':
          'arn:aws:iam::aws:policy/ReadOnlyAccess\n arn:aws:iam::123456789012:policy/a, arn:aws:iam::123456789012:policy/p/b\n',
      },
      {
        managedPolicyArns: [
          'arn:aws:iam::aws:policy/ReadOnlyAccess',
          'arn:aws:iam::123456789012:policy/a',
          'arn:aws:iam::123456789012:policy/p/b',
        ],
      },
    ],
    [
      'managed policies whose names hold commas (IAM allows them)',
      {
        'managed-session-policies':
          'arn:aws:iam::123456789012:policy/deploy,read,arn:aws:iam::123456789012:policy/p,q/x\narn:aws:iam::aws:policy/ReadOnlyAccess',
      },
      {
        managedPolicyArns: [
          'arn:aws:iam::123456789012:policy/deploy,read',
          'arn:aws:iam::123456789012:policy/p,q/x',
          'arn:aws:iam::aws:policy/ReadOnlyAccess',
        ],
      },
    ],
    ['role-source-identity, a login', { 'role-source-identity': 'octocat' }, { sourceIdentity: 'octocat' }],
    [
      'role-source-identity, every allowed character',
      { 'role-source-identity': 'a+b=c,d.e@f_g-h0' },
      { sourceIdentity: 'a+b=c,d.e@f_g-h0' },
    ],
    [
      'role-source-identity of 64',
      { 'role-source-identity': 's'.repeat(64) },
      { sourceIdentity: 's'.repeat(64) },
    ],
    [
      'keys',
      KEYS,
      { keys: { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] } },
    ],
    [
      'keys with a session token',
      { ...KEYS, 'aws-session-token': 'tok' },
      {
        keys: {
          accessKeyId: KEYS['aws-access-key-id'],
          secretAccessKey: KEYS['aws-secret-access-key'],
          sessionToken: 'tok',
        },
      },
    ],
  ])('%s', (_name, inputs, expected) => {
    expect(config({ ...scenarios.oidc, ...inputs })).toMatchObject(expected);
  });

  test.each([
    [
      'AWS_ENDPOINT_URL_STS wins over AWS_ENDPOINT_URL',
      {},
      { AWS_ENDPOINT_URL_STS: 'http://a:1', AWS_ENDPOINT_URL: 'http://b:2' },
      'http://a:1',
    ],
    ['AWS_ENDPOINT_URL alone', {}, { AWS_ENDPOINT_URL: 'http://b:2' }, 'http://b:2'],
    [
      'the input wins over both',
      { 'sts-endpoint': 'http://c:3' },
      { AWS_ENDPOINT_URL_STS: 'http://a:1' },
      'http://c:3',
    ],
  ])('%s', (_name, inputs, e, expected) => {
    expect(config({ ...scenarios.oidc, ...inputs }, e).stsEndpoint).toBe(expected);
  });
});

describe('inputs from plain environment variables', () => {
  test.each([
    ['ROLE_TO_ASSUME', {}, { ROLE_TO_ASSUME: ROLE }, { roleArn: ROLE }],
    ['AWS_REGION', { 'aws-region': '' }, { AWS_REGION: 'ap-south-1' }, { region: 'ap-south-1' }],
    [
      'an explicit input wins',
      { 'role-session-name': 'mine' },
      { ROLE_SESSION_NAME: 'env' },
      { sessionName: 'mine' },
    ],
    ['RETRY_MAX_ATTEMPTS', {}, { RETRY_MAX_ATTEMPTS: '2' }, { retry: { maxAttempts: 2 } }],
    [
      'never the keys',
      {},
      { AWS_ACCESS_KEY_ID: 'AKIAPREVIOUSPREVIOUS', AWS_SECRET_ACCESS_KEY: 'x' },
      { keys: undefined },
    ],
    ['never the profile', {}, { AWS_PROFILE: 'other' }, { profile: undefined }],
  ])('%s', (_name, inputs, e, expected) => {
    expect(config({ 'aws-region': 'eu-west-1', ...inputs }, { ...env, ...e })).toMatchObject(expected);
  });
});

describe('proxies and values from the environment', () => {
  const base = { 'aws-region': 'eu-west-1' };

  test('http-proxy never stands in from HTTP_PROXY; the variables are left to proxy-from-env', () => {
    const c = config(base, { ...env, HTTP_PROXY: 'http://a:1', HTTPS_PROXY: 'http://b:2' });
    expect(c.proxy).toEqual({ noProxy: '' });
  });

  test('a proxy variable without a scheme is taken, as proxy-from-env takes it', () => {
    expect(config(base, { ...env, HTTPS_PROXY: 'ci:pw@proxy.corp:3128' }).proxy).toEqual({ noProxy: '' });
  });

  test('no-proxy may be separated by commas or spaces', () => {
    const c = config({
      ...base,
      'http-proxy': 'http://p:3128',
      'no-proxy': 'localhost 127.0.0.1,.internal *.x:8443',
    });
    expect(c.proxy).toEqual({ url: 'http://p:3128', noProxy: 'localhost 127.0.0.1,.internal *.x:8443' });
  });

  test.each([
    [
      { AWS_ENDPOINT_URL_STS: 'sts.local' },
      "Input 'sts-endpoint' (taken from the AWS_ENDPOINT_URL_STS environment variable)",
    ],
    [
      { AWS_ENDPOINT_URL: 'ftp://x' },
      "Input 's3-endpoint' (taken from the AWS_ENDPOINT_URL environment variable)",
    ],
    [
      { ROLE_DURATION_SECONDS: 'long' },
      "Input 'role-duration-seconds' (taken from the ROLE_DURATION_SECONDS environment variable)",
    ],
    [{ https_proxy: 'socks5://p' }, "Input 'http-proxy' (taken from the https_proxy environment variable)"],
  ])('a bad value from %j names the variable', (e, message) => {
    const inputs = 'AWS_ENDPOINT_URL' in e ? { ...base, 'sts-endpoint': 'https://sts.local' } : base;
    expect(() => config(inputs, { ...env, ...e })).toThrow(message);
  });

  test('an explicit input is named without a variable', () => {
    expect(() =>
      config({ ...base, 'sts-endpoint': 'sts.local' }, { ...env, AWS_ENDPOINT_URL_STS: 'x' }),
    ).toThrow(/^Input 'sts-endpoint' is invalid/);
  });

  test('only the proxy variables that would be used are checked; NO_PROXY=* uses none', () => {
    const unusedAll = {
      ...env,
      HTTPS_PROXY: 'http://p:1',
      HTTP_PROXY: 'http://p:2',
      ALL_PROXY: 'socks5://s:1',
    };
    expect(config(base, unusedAll).proxy).toEqual({ noProxy: '' });
    expect(() => config(base, { ...env, ALL_PROXY: 'socks5://s:1' })).toThrow(
      'ALL_PROXY environment variable',
    );
    expect(config(base, { ...env, HTTPS_PROXY: 'socks5://s:1', NO_PROXY: '*' }).proxy).toBeUndefined();
  });

  test('a password holding / ? or # unencoded is masked and hidden all the same', () => {
    const raw = 'ftp://ci:se/cr?e#t@proxy.corp:21';
    expect(proxySecrets(reader({}), { HTTPS_PROXY: raw })).toContain('se/cr?e#t');
    let message = '';
    try {
      config(base, { ...env, HTTPS_PROXY: raw });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('"ftp://***@proxy.corp:21"');
    expect(message).not.toContain('se/cr');
  });

  test('role-chaining limits only a role assumed with the session in the environment', () => {
    const long = {
      ...base,
      'role-duration-seconds': '7200',
      'role-chaining': 'true',
      'role-to-assume': ROLE,
    };
    expect(config({ ...long, ...KEYS, 'sts-operation': 'get-session-token' }).durationSeconds).toBe(7200);
    expect(config({ ...long, ...KEYS }).durationSeconds).toBe(7200); // the keys sign, nothing is chained
    expect(config({ ...long, 'sts-operation': 'assume-role-with-web-identity' }).durationSeconds).toBe(7200);
    expect(() => config(long)).toThrow('at most 3600 seconds with role-chaining');
  });

  test('HTTP_PROXY is checked only when an endpoint is plain http; a * in NO_PROXY bypasses all', () => {
    const badHttp = { ...env, HTTPS_PROXY: 'http://p:1', http_proxy: 'socks5://s:1' };
    expect(config(base, badHttp).proxy).toEqual({ noProxy: '' });
    expect(() => config({ ...base, 'sts-endpoint': 'http://127.0.0.1:5000' }, badHttp)).toThrow(
      'http_proxy environment variable',
    );
    expect(config(base, { ...env, HTTPS_PROXY: 'socks5://s:1', NO_PROXY: '*,x' }).proxy).toBeUndefined();
  });

  test('a comma at the end of a line separates policy ARNs', () => {
    const arns = 'arn:aws:iam::123456789012:policy/a,\narn:aws:iam::123456789012:policy/b,';
    expect(config({ ...base, 'managed-session-policies': arns }).managedPolicyArns).toEqual([
      'arn:aws:iam::123456789012:policy/a',
      'arn:aws:iam::123456789012:policy/b',
    ]);
  });

  test('proxy passwords, raw and decoded, are found to mask; nothing else is', () => {
    const read = reader({ 'http-proxy': 'http://u:p%40ss@proxy:1' });
    expect(
      proxySecrets(read, { https_proxy: 'ci:s3cret@corp:3128', HTTP_PROXY: 'http://proxy:8080' }),
    ).toEqual(['p%40ss', 'p@ss', 's3cret', 's3cret']);
    expect(proxySecrets(reader({}), { HTTPS_PROXY: 'not a url at all %%' })).toEqual([]);
    // An '@' after the host: the password as the URL parser reads it is masked too.
    expect(proxySecrets(reader({}), { HTTPS_PROXY: 'http://u:pw@proxy:3128/?x=a@b' })).toContain('pw');
  });
});

const many = (n: number) => Array.from({ length: n }, (_, i) => `s3://bucket-${i}/p/`).join('\n');

describe('getConfig: the S3 gate', () => {
  test.each([
    [
      'one bucket by name: list, 50 keys, required',
      { 'verify-bucket': 'site' },
      { targets: [{ bucket: 'site', prefix: '' }], access: ['list'], maxKeys: 50, required: true },
    ],
    [
      'with verify-prefix',
      { 'verify-bucket': 'site', 'verify-prefix': 'rel/' },
      { targets: [{ bucket: 'site', prefix: 'rel/' }] },
    ],
    [
      'several, one a line, blank lines and spaces ignored',
      { 'verify-bucket': 's3://my-site/releases/\n\n  s3://my-assets/  \r\nplain' },
      {
        targets: [
          { bucket: 'my-site', prefix: 'releases/' },
          { bucket: 'my-assets', prefix: '' },
          { bucket: 'plain', prefix: '' },
        ],
      },
    ],
    [
      'the same bucket under two prefixes',
      { 'verify-bucket': 's3://site/a/\ns3://site/b/' },
      {
        targets: [
          { bucket: 'site', prefix: 'a/' },
          { bucket: 'site', prefix: 'b/' },
        ],
      },
    ],
    [
      'every check, in the order list, read, write',
      { 'verify-bucket': 'b12', 'verify-access': 'write , read,list' },
      { access: ['list', 'read', 'write'] },
    ],
    ['a word twice', { 'verify-bucket': 'b12', 'verify-access': 'list,list' }, { access: ['list'] }],
    ['write alone', { 'verify-bucket': 'b12', 'verify-access': 'write' }, { access: ['write'] }],
    [
      'a prefix of 964 bytes leaves room for the write probe',
      { 'verify-bucket': `s3://b12/${'p'.repeat(964)}`, 'verify-access': 'write' },
      { targets: [{ bucket: 'b12', prefix: 'p'.repeat(964) }] },
    ],
  ])('%s', (_name, inputs, expected) => {
    expect(config({ ...scenarios.oidc, ...inputs }).verify).toMatchObject(expected);
  });

  test('ten buckets are all kept', () => {
    expect(config({ ...scenarios.oidc, 'verify-bucket': many(10) }).verify?.targets).toHaveLength(10);
  });

  test('VERIFY_ACCESS stands in for the input', () => {
    const got = config(
      { ...scenarios.oidc, 'verify-bucket': 'b12' },
      { ...env, VERIFY_ACCESS: 'list,write' },
    );
    expect(got.verify?.access).toEqual(['list', 'write']);
  });
});

describe('getConfig: refused inputs name the input and the allowed form', () => {
  test.each([
    ['aws-region', { 'aws-region': '' }, 'required'],
    ['aws-region', { 'aws-region': 'us east 1' }, 'region code'],
    ['aws-region', { 'aws-region': 'EU-WEST-1' }, 'region code'],
    ['role-duration-seconds', { 'role-duration-seconds': '0' }, 'from 900 to 43200'],
    ['role-duration-seconds', { 'role-duration-seconds': '100' }, 'from 900 to 43200'],
    ['role-duration-seconds', { 'role-duration-seconds': '50000' }, 'from 900 to 43200'],
    ['role-duration-seconds', { 'role-duration-seconds': 'abc' }, 'whole number'],
    ['role-duration-seconds', { 'role-duration-seconds': '3600.5' }, 'whole number'],
    ['role-duration-seconds', { 'role-duration-seconds': '-900' }, 'whole number'],
    ['role-session-name', { 'role-session-name': 'a' }, '2 to 64'],
    ['role-session-name', { 'role-session-name': 'a'.repeat(65) }, '2 to 64'],
    ['role-session-name', { 'role-session-name': 'has space' }, '2 to 64'],
    ['role-to-assume', { 'role-to-assume': 'deploy role' }, 'role ARN'],
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::123456789012:role/' }, 'role ARN'],
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::12345:role/x' }, 'role ARN'],
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::123456789012:user/bob' }, 'role ARN'],
    ['role-to-assume', { 'role-to-assume': 'arn:aws:s3:::bucket' }, 'role ARN'],
    ['output-credentials', { 'output-credentials': 'yes' }, 'true or false'],
    ['output-credentials', { 'output-credentials': '1' }, 'true or false'],
    ['sts-endpoint', { 'sts-endpoint': 'not a url' }, 'http://'],
    ['sts-endpoint', { 'sts-endpoint': 'file:///etc/passwd' }, 'http://'],
    ['sts-operation', { 'sts-operation': 'AssumeRole' }, 'one of auto'],
    ['role-duration-seconds', { 'role-duration-seconds': '43201' }, 'from 900 to 43200'],
    [
      'role-duration-seconds',
      { 'sts-operation': 'get-session-token', 'role-duration-seconds': '129601' },
      'from 900 to 129600',
    ],
    ['aws-profile', { 'aws-profile': 'has space' }, "'aws-profile'"],
    ['aws-profile', { 'aws-profile': 'a/b' }, "'aws-profile'"],
    ['overwrite-aws-profile', { 'aws-profile': 'ci', 'overwrite-aws-profile': 'maybe' }, 'true or false'],
    ['role-external-id', { 'role-external-id': 'x' }, '2 to 1224'],
    ['role-source-identity', { 'role-source-identity': 'a' }, '2 to 64'],
    ['role-source-identity', { 'role-source-identity': 's'.repeat(65) }, '2 to 64'],
    ['role-source-identity', { 'role-source-identity': 'has space' }, '"has space"'],
    ['role-source-identity', { 'role-source-identity': 'build/42' }, '+=,.@_-'],
    ['role-source-identity', { 'role-source-identity': 'dependabot[bot]' }, 'unset for bot-triggered runs'],
    ['custom-tags', { 'custom-tags': 'not json' }, "'custom-tags'"],
    ['custom-tags', { 'custom-tags': '{"aws:x":"y"}' }, "'custom-tags'"],
    ['transitive-tag-keys', { 'transitive-tag-keys': 'Missing' }, "'transitive-tag-keys'"],
    ['allowed-account-ids', { 'allowed-account-ids': '12345' }, '12-digit'],
    ['retry-max-attempts', { 'retry-max-attempts': '-1' }, 'from 1 to 100'],
    ['retry-max-attempts', { 'retry-max-attempts': 'many' }, 'from 1 to 100'],
    ['retry-max-attempts', { 'retry-max-attempts': '0' }, 'from 1 to 100'],
    ['action-timeout-s', { 'action-timeout-s': '-4' }, 'from 1 to 21600'],
    ['action-timeout-s', { 'action-timeout-s': 'soon' }, 'from 1 to 21600'],
    ['http-proxy', { 'http-proxy': 'proxy:3128' }, 'http://'],
    ['no-proxy', { 'no-proxy': 'a http://b' }, 'separated by commas or spaces'],
    [
      'role-duration-seconds',
      { 'role-duration-seconds': '7200', 'role-chaining': 'true' },
      'at most 3600 seconds with role-chaining',
    ],
    ['http-proxy', { 'http-proxy': 'ftp://ci:pass-word@proxy' }, '"ftp://***@proxy"'],
    ['disable-retry', { 'disable-retry': 'yes' }, 'true or false'],
    ['verify-max-keys', { 'verify-max-keys': '0' }, 'from 1 to 1000'],
    ['verify-max-keys', { 'verify-max-keys': '5000' }, 'from 1 to 1000'],
    ['verify-bucket', { 'verify-bucket': 'Bad_Bucket' }, 'S3 bucket name'],
    ['verify-bucket', { 'verify-bucket': 'ab' }, 'S3 bucket name'],
    ['verify-bucket', { 'verify-bucket': 'a..b' }, 'S3 bucket name'],
    ['verify-bucket', { 'verify-bucket': '192.168.1.1' }, 'S3 bucket name'],
    ['verify-bucket', { 'verify-bucket': 's3://' }, 'S3 bucket name'],
    ['verify-bucket', { 'verify-bucket': '-bucket' }, 'S3 bucket name'],
    ['verify-prefix', { 'verify-bucket': 's3://b12/a/', 'verify-prefix': 'b/' }, 'one place'],
    ['verify-required', { 'verify-required': 'no' }, 'true or false'],
    ['verify-bucket', { 'verify-bucket': many(11) }, 'names 11 buckets; at most 10'],
    ['verify-bucket', { 'verify-bucket': 's3://b12/a/\nb34\ns3://b12/a/' }, 'names s3://b12/a/ twice'],
    ['verify-bucket', { 'verify-bucket': 'b12\nBad_Bucket' }, '"Bad_Bucket"'],
    ['verify-prefix', { 'verify-bucket': 'b12\nb34', 'verify-prefix': 'a/' }, 'applies to a single bucket'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': 'put' }, 'list, read, write'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': ' , ' }, 'got ","'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': 'list,' }, 'list, read, write'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': 'List' }, 'list, read, write'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': 'list read' }, 'list, read, write'],
    ['verify-access', { 'verify-bucket': 'b12', 'verify-access': 'read,write' }, 'needs list too'],
    // Checked even without verify-bucket, as the other verify-* inputs are.
    ['verify-access', { 'verify-access': 'everything' }, 'list, read, write'],
    [
      'verify-bucket',
      { 'verify-bucket': `s3://b12/${'p'.repeat(1000)}`, 'verify-access': 'write' },
      'at most 964 bytes',
    ],
    [
      'verify-prefix',
      { 'verify-bucket': 'b12', 'verify-prefix': 'é'.repeat(500), 'verify-access': 'write' },
      'at most 964 bytes',
    ],
    ['job-summary', { 'job-summary': 'off' }, 'true or false'],
    ['s3-endpoint', { 's3-endpoint': 'localhost:9000' }, 'http://'],
    ['federated-user-name', { 'federated-user-name': 'a' }, '2 to 32'],
    ['federated-user-name', { 'federated-user-name': 'a'.repeat(33) }, '2 to 32'],
    ['federated-user-name', { 'federated-user-name': 'has space' }, '2 to 32'],
    ['inline-session-policy', { 'inline-session-policy': 'not json' }, 'not valid JSON'],
    ['inline-session-policy', { 'inline-session-policy': '[1,2]' }, 'JSON object'],
    [
      'inline-session-policy',
      { 'inline-session-policy': JSON.stringify({ a: 'x'.repeat(3000) }) },
      'STS allows 2048',
    ],
    ['managed-session-policies', { 'managed-session-policies': 'arn:aws:iam::aws:role/x' }, 'policy ARNs'],
    [
      'managed-session-policies',
      {
        'managed-session-policies': Array.from(
          { length: 11 },
          (_, i) => `arn:aws:iam::aws:policy/p${i}`,
        ).join(','),
      },
      'at most 10',
    ],
    ['aws-access-key-id', { 'aws-secret-access-key': 'x' }, 'required'],
    ['aws-secret-access-key', { 'aws-access-key-id': KEYS['aws-access-key-id'] }, 'required'],
    ['aws-access-key-id', { 'aws-session-token': 'x' }, 'required'],
  ])('%s: %j', (input, inputs, form) => {
    const attempt = () => config({ ...scenarios.oidc, ...inputs });
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(`'${input}'`);
    expect(attempt).toThrow(form);
  });

  test('a malformed access key id is refused without echoing it', () => {
    const secret = 'AKIA with spaces';
    const attempt = () => config({ ...scenarios.oidc, ...KEYS, 'aws-access-key-id': secret });
    expect(attempt).toThrow("'aws-access-key-id'");
    expect(attempt).toThrow(/not shown: secret/);
    expect(attempt).not.toThrow(secret);
  });

  test("a bot's login is refused with the input, the value, the form and what to do", () => {
    expect(() => config({ ...scenarios.oidc, 'role-source-identity': 'dependabot[bot]' })).toThrow(
      `Input 'role-source-identity' is invalid: got "dependabot[bot]"; expected 2 to 64 characters of letters, ` +
        "digits and +=,.@_-; brackets, as in a bot's login such as dependabot[bot], are not allowed: leave " +
        'role-source-identity unset for bot-triggered runs (the README shows an expression that does).',
    );
  });

  test('ROLE_SOURCE_IDENTITY stands in, and a bad value names the variable', () => {
    const env = { GITHUB_WORKSPACE: '/w', ROLE_SOURCE_IDENTITY: 'octocat' };
    expect(config(scenarios.oidc, env).sourceIdentity).toBe('octocat');
    expect(() => config(scenarios.oidc, { ...env, ROLE_SOURCE_IDENTITY: 'x' })).toThrow(
      "Input 'role-source-identity' (taken from the ROLE_SOURCE_IDENTITY environment variable) is invalid",
    );
  });

  test('the bad value is shown', () => {
    expect(() => config({ ...scenarios.oidc, 'role-duration-seconds': '100' })).toThrow(
      `Input 'role-duration-seconds' is invalid: got "100"; expected a whole number of seconds from 900 to 43200.`,
    );
  });
});
