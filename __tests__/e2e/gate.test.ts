/**
 * The S3 access gate, against moto with IAM enforcement on: roles see only what their policies allow.
 */
import { scenariosAt } from '../fixtures/inputs';
import { allow, bootstrapAdmin, iamSeeder, seedBucket } from '../harness/aws';
import type { StepResult } from '../harness/runner';
import { expectFailure, expectNoLeaks, expectSuccess, heldGate, useStack } from './stack';

const stack = useStack();
const BUCKET = 'artifacts';
const SITE = Array.from({ length: 35 }, (_, i) => `site/page-${String(i).padStart(2, '0')}.html`);
const LOGS = Array.from({ length: 25 }, (_, i) => `logs/day-${String(i).padStart(2, '0')}.log`);

type Keys = { accessKeyId: string; secretAccessKey: string; arn: string };
let dev: Keys;
let reader: string; // s3:ListBucket on artifacts only
let wide: string; // s3:ListBucket anywhere
let noS3: string; // no S3 rights at all

beforeAll(async () => {
  const admin = await bootstrapAdmin(stack.moto);
  const seed = iamSeeder(stack.moto.url, admin);
  dev = await seed.user('dev', allow('sts:*', '*'));
  reader = await seed.role('reader', [dev.arn], { policy: allow('s3:ListBucket', `arn:aws:s3:::${BUCKET}`) });
  wide = await seed.role('wide', [dev.arn], { policy: allow('s3:ListBucket', '*') });
  noS3 = await seed.role('no-s3', [dev.arn]);
  seed.close();
  await seedBucket(stack.moto.url, admin, BUCKET, [...SITE, ...LOGS]);
  await seedBucket(stack.moto.url, admin, 'private', ['secret.txt']);
}, 120_000);

const inputs = (role: string, more: Record<string, string>) => ({
  ...scenariosAt(stack.proxy.url, 'us-east-1').withKeys(dev, role),
  's3-endpoint': stack.proxy.url,
  ...more,
});

// Prefixes here have no '/': moto, when enforcing IAM, miscomputes the signature of any S3 query whose
// value contains '/' (SignatureDoesNotMatch even when called directly). AWS itself has no such problem.
const s3Requests = () => stack.proxy.requests.filter((r) => r.operation.startsWith('S3:'));

function expectNothingLeaked(result: StepResult): void {
  expectNoLeaks(result, dev.secretAccessKey, dev.accessKeyId);
}

describe('an accessible bucket', () => {
  test('lists 50 keys by default with one S3 request, then exports', async () => {
    const result = await stack.job().main(inputs(reader, { 'verify-bucket': BUCKET }));
    expectSuccess(result);
    expect(result.outputs['bucket-accessible']).toBe('true');
    expect(result.outputs['bucket-object-count']).toBe('50');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(s3Requests()).toHaveLength(1);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRole', 'S3:GET']);
    const listed = new URL(s3Requests()[0]?.path ?? '', 'http://x');
    expect(listed.pathname).toMatch(new RegExp(`^/${BUCKET}/?$`));
    expect(listed.searchParams.get('list-type')).toBe('2');
    expect(listed.searchParams.get('max-keys')).toBe('50');
    expectNothingLeaked(result);
  });

  test('S3 slowing down once is retried, and the retry is logged', async () => {
    let slowed = 0;
    stack.proxy.fault = (r) =>
      r.operation.startsWith('S3:') && slowed++ === 0
        ? {
            status: 503,
            body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
          }
        : undefined;
    const result = await stack.job().main(inputs(reader, { 'verify-bucket': BUCKET }));
    expectSuccess(result);
    expect(result.outputs['bucket-object-count']).toBe('50');
    expect(s3Requests()).toHaveLength(2);
    expect(result.stdout).toMatch(
      /^S3 request failed with SlowDown \(HTTP 503\): Please reduce your request rate\. Retrying in \d+ ms \(attempt 2 of 12\)\.$/m,
    );
    expectNothingLeaked(result);
  });

  test.each([
    ['verify-prefix', { 'verify-bucket': BUCKET, 'verify-prefix': 'logs' }, '25'],
    ['the s3:// form', { 'verify-bucket': `s3://${BUCKET}/site` }, '35'],
    ['verify-max-keys', { 'verify-bucket': `s3://${BUCKET}/site`, 'verify-max-keys': '7' }, '7'],
  ])('%s', async (_name, more, count) => {
    const result = await stack.job().main(inputs(reader, more));
    expectSuccess(result);
    expect(result.outputs['bucket-object-count']).toBe(count);
  });

  test('logs key => ETag lines in a collapsed group', async () => {
    const result = await stack
      .job()
      .main(inputs(reader, { 'verify-bucket': BUCKET, 'verify-prefix': 'logs' }));
    expectSuccess(result);
    const lines = result.stdout.split('\n');
    const start = lines.indexOf(`::group::25 objects listed in s3://${BUCKET}/logs`);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines[start + 1]).toMatch(/^logs\/day-00\.log => "[0-9a-f]{32}"$/);
    expect(lines[start + 26]).toBe('::endgroup::');
  });

  test('the job summary reports the credentials and the check, never a secret', async () => {
    const result = await stack.job().main(inputs(reader, { 'verify-bucket': `s3://${BUCKET}/site` }));
    expectSuccess(result);
    const summary = result.summary;
    expect(summary).toContain('## AWS credentials');
    expect(summary).toContain('| Operation | AssumeRole |');
    expect(summary).toContain('`arn:aws:sts::123456789012:assumed-role/reader/GitHubActions`');
    expect(summary).toContain('| Region | us-east-1 |');
    expect(summary).toContain('| Session name | GitHubActions |');
    expect(summary).toMatch(/\| Expires \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (59|60) min\) \|/);
    expect(summary).toContain('| Result | ✅ accessible |');
    expect(summary).toContain('| Objects listed | 35 |');
    const keyRows = summary.split('\n').filter((line) => line.startsWith('| `site/'));
    expect(keyRows).toHaveLength(10);
    const size = 'body of site/page-00.html'.length;
    expect(keyRows[0]).toMatch(
      new RegExp(`^\\| \`site/page-00\\.html\` \\| ${size} B \\| \`[0-9a-f]{32}\` \\|$`),
    );
    expect(summary).toContain('…and 25 more listed.');
    expectNothingLeaked(result);
  });

  test('mask-aws-account-id keeps the account out of the summary and masks it', async () => {
    const result = await stack
      .job()
      .main(inputs(reader, { 'verify-bucket': BUCKET, 'mask-aws-account-id': 'true' }));
    expectSuccess(result);
    expect(result.masks).toContain('123456789012');
    expect(result.summary).not.toContain('123456789012');
    expect(result.summary).toContain('arn:aws:sts::***:assumed-role/reader/GitHubActions');
  });

  test('job-summary: false writes none', async () => {
    const result = await stack
      .job()
      .main(inputs(reader, { 'verify-bucket': BUCKET, 'job-summary': 'false' }));
    expectSuccess(result);
    expect(result.summary).toBe('');
  });
});

describe('the gate holds', () => {
  test('a bucket the role may not list: fails, names bucket, principal and permission, exports nothing', async () => {
    const result = await stack
      .job()
      .main(inputs(reader, { 'verify-bucket': 'private', 'verify-prefix': 'x' }));
    const message = expectFailure(result, heldGate('private/x'));
    expect(message).toContain('bucket private under prefix "x"');
    expect(message).toContain('arn:aws:sts::123456789012:assumed-role/reader/GitHubActions');
    expect(message).toContain('s3:ListBucket on arn:aws:s3:::private');
    expect(s3Requests()).toHaveLength(1);
    expect(result.summary).toContain('| Result | ❌ not accessible |');
    expect(result.summary).toContain('| Exported to later steps | no |');
    expectNothingLeaked(result);
  });

  test('a role with no S3 rights', async () => {
    const message = expectFailure(
      await stack.job().main(inputs(noS3, { 'verify-bucket': BUCKET })),
      heldGate('artifacts/'),
    );
    expect(message).toContain(
      'assumed-role/no-s3/GitHubActions: it needs s3:ListBucket on arn:aws:s3:::artifacts',
    );
  });

  test('a bucket that does not exist', async () => {
    const message = expectFailure(
      await stack.job().main(inputs(wide, { 'verify-bucket': 'no-such-bucket' })),
      heldGate('no-such-bucket/'),
    );
    expect(message).toBe('S3 bucket no-such-bucket does not exist (checked in us-east-1).');
  });

  test('a bucket in another region names that region', async () => {
    stack.proxy.fault = (r) =>
      r.operation.startsWith('S3:')
        ? {
            status: 301,
            headers: { 'x-amz-bucket-region': 'eu-central-1' },
            body: '<Error><Code>PermanentRedirect</Code><Message>Use the right endpoint.</Message></Error>',
          }
        : undefined;
    const message = expectFailure(
      await stack.job().main(inputs(reader, { 'verify-bucket': BUCKET })),
      heldGate('artifacts/'),
    );
    expect(message).toContain('is in eu-central-1, not us-east-1: set aws-region: eu-central-1');
  });

  test('S3 out of reach is said as such', async () => {
    const message = expectFailure(
      await stack
        .job()
        .main({ ...inputs(reader, { 'verify-bucket': BUCKET }), 's3-endpoint': 'http://127.0.0.1:9' }),
      heldGate('artifacts/'),
    );
    expect(message).toMatch(/^Could not reach S3 to list bucket artifacts: ECONNREFUSED/);
  });

  test('credentials S3 does not accept', async () => {
    stack.proxy.fault = (r) =>
      r.operation.startsWith('S3:')
        ? {
            status: 403,
            body: '<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>',
          }
        : undefined;
    const message = expectFailure(
      await stack.job().main(inputs(reader, { 'verify-bucket': BUCKET })),
      heldGate('artifacts/'),
    );
    expect(message).toContain(
      'S3 did not accept the credentials for arn:aws:sts::123456789012:assumed-role/reader',
    );
    expect(message).toContain('invalid or expired');
  });
});

describe('report mode (verify-required: false)', () => {
  test('warns, sets bucket-accessible=false and exports the credentials', async () => {
    const result = await stack
      .job()
      .main(inputs(reader, { 'verify-bucket': 'private', 'verify-required': 'false' }));
    expectSuccess(result);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('s3:ListBucket on arn:aws:s3:::private');
    expect(result.outputs['bucket-accessible']).toBe('false');
    expect(result.outputs['bucket-object-count']).toBe('0');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(result.summary).toContain('| Exported to later steps | yes: environment |');
    expectNothingLeaked(result);
  });
});

test('without verify-bucket no S3 request is made and no bucket output is set', async () => {
  const result = await stack.job().main(inputs(reader, {}));
  expectSuccess(result);
  expect(s3Requests()).toHaveLength(0);
  expect(result.outputs).not.toHaveProperty('bucket-accessible');
  expect(result.summary).not.toContain('S3 access check');
});
