/**
 * The S3 gate's read and write checks, on several buckets, against moto: with IAM enforcement on (it
 * checks s3:GetObject on a ranged GetObject, s3:PutObject on CreateMultipartUpload and
 * s3:AbortMultipartUpload on its abort), and, for prefixes holding '/', without (moto's signature check,
 * when enforcing, fails on any query value holding '/'; AWS has no such problem). Each case checks as the
 * admin, after the step, that the write probe left nothing: no object, no multipart upload.
 */
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { scenariosAt } from '../fixtures/inputs';
import { allow, bootstrapAdmin, iamSeeder, seedBucket } from '../harness/aws';
import type { StepResult } from '../harness/runner';
import { expectFailure, expectNoLeaks, expectSuccess, type Stack, useStack } from './stack';

type Keys = { accessKeyId: string; secretAccessKey: string };
const PROBE = /\.aws-credentials-gate-probe-[0-9a-f]{32}$/;

/** What a bucket holds, as the admin sees it: every key (with its ETag) and every upload in progress. */
async function contents(stack: Stack, admin: Keys, bucket: string) {
  const s3 = new S3Client({
    endpoint: stack.moto.url,
    region: 'us-east-1',
    credentials: admin,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  try {
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return {
      keys: (objects.Contents ?? []).map((o) => `${o.Key} ${o.ETag}`),
      uploads: (uploads.Uploads ?? []).map((u) => ({ key: u.Key ?? '', id: u.UploadId ?? '' })),
    };
  } finally {
    s3.destroy();
  }
}

/** Aborts, as the admin, every upload in progress in the bucket (what a role without the right left). */
async function abortAll(stack: Stack, admin: Keys, bucket: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: stack.moto.url,
    region: 'us-east-1',
    credentials: admin,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  try {
    for (const upload of (await contents(stack, admin, bucket)).uploads)
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.id }),
      );
  } finally {
    s3.destroy();
  }
}

const s3Ops = (stack: Stack) =>
  stack.proxy.requests
    .filter((r) => r.operation.startsWith('S3:'))
    .map(
      (r) =>
        `${r.method} ${new URL(r.path, 'http://x').pathname}${/[?&]uploads\b/.test(r.path) ? '?uploads' : ''}${/[?&]uploadId=/.test(r.path) ? '?uploadId' : ''}`,
    );

describe('with IAM enforced', () => {
  const stack = useStack();
  const SITE = 'site';
  const ASSETS = 'assets';
  let admin: Keys;
  let dev: Keys & { arn: string };
  const roles: Record<string, string> = {};

  /** A policy: s3:ListBucket on each bucket, `objects` on the objects of each. */
  const policy = (buckets: string[], objects: string[]) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: buckets.map((b) => `arn:aws:s3:::${b}`) },
      ...(objects.length === 0
        ? []
        : [{ Effect: 'Allow', Action: objects, Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`) }]),
    ],
  });

  beforeAll(async () => {
    admin = await bootstrapAdmin(stack.moto);
    const seed = iamSeeder(stack.moto.url, admin);
    dev = await seed.user('dev', allow('sts:*', '*'));
    const both = [SITE, ASSETS];
    roles.getter = await seed.role('getter', [dev.arn], { policy: policy(both, ['s3:GetObject']) });
    roles.putter = await seed.role('putter', [dev.arn], {
      policy: policy(both, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']),
    });
    roles.noAbort = await seed.role('no-abort', [dev.arn], { policy: policy(both, ['s3:PutObject']) });
    roles.siteOnly = await seed.role('site-only', [dev.arn], {
      policy: {
        Version: '2012-10-17',
        Statement: [
          ...policy(both, []).Statement,
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
            Resource: `arn:aws:s3:::${SITE}/*`,
          },
        ],
      },
    });
    seed.close();
    await seedBucket(stack.moto.url, admin, SITE, ['index.html', 'site/app.js']);
    await seedBucket(stack.moto.url, admin, ASSETS, ['logo.png']);
  }, 120_000);

  const inputs = (role: string, more: Record<string, string>) => ({
    ...scenariosAt(stack.proxy.url, 'us-east-1').withKeys(dev, role),
    's3-endpoint': stack.proxy.url,
    ...more,
  });
  const leaks = (result: StepResult) => expectNoLeaks(result, dev.secretAccessKey, dev.accessKeyId);

  test('list and get but no put: list and read pass, write fails naming s3:PutObject, nothing exported', async () => {
    const before = await contents(stack, admin, SITE);
    const result = await stack
      .job()
      .main(inputs(roles.getter ?? '', { 'verify-bucket': SITE, 'verify-access': 'list,read,write' }));
    const message = expectFailure(result, {
      'bucket-accessible': 'false',
      'bucket-access': JSON.stringify({ 'site/': { list: true, read: true, write: false } }),
      'bucket-object-count': '2',
    });
    expect(message).toBe(
      'S3 refused to write to bucket site to arn:aws:sts::123456789012:assumed-role/getter/GitHubActions: it needs s3:PutObject on arn:aws:s3:::site/*. S3 said: AccessDenied (HTTP 403): Access Denied.',
    );
    expect(result.stdout).toContain('Proved read access to bucket site: read 1 byte of index.html.');
    const ranged = stack.proxy.requests.find(
      (r) => r.method === 'GET' && r.path.startsWith('/site/index.html'),
    );
    expect(ranged?.headers.range).toBe('bytes=0-0');
    expect(ranged?.response?.status).toBe(206);
    expect(result.summary).toContain('| write | `site` | (whole bucket) | ❌ failed |');
    expect(result.summary).toContain('| Exported to later steps | no |');
    expect(await contents(stack, admin, SITE)).toEqual(before);
    leaks(result);
  });

  test('verify-required false: the refused write is a warning, and the credentials are exported', async () => {
    const result = await stack.job().main(
      inputs(roles.getter ?? '', {
        'verify-bucket': SITE,
        'verify-access': 'list,read,write',
        'verify-required': 'false',
      }),
    );
    expectSuccess(result);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^S3 refused to write to bucket site to .*: it needs s3:PutObject on arn:aws:s3:::site\/\*\. .* \(verify-required is false: credentials were exported anyway\)$/,
      ),
    ]);
    expect(result.outputs['bucket-accessible']).toBe('false');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    leaks(result);
  });

  test('with put: write passes, and afterwards no object and no upload is new', async () => {
    const before = await contents(stack, admin, SITE);
    const result = await stack
      .job()
      .main(inputs(roles.putter ?? '', { 'verify-bucket': SITE, 'verify-access': 'list,read,write' }));
    expectSuccess(result);
    expect(result.outputs['bucket-accessible']).toBe('true');
    expect(result.outputs['bucket-access']).toBe('{"site/":{"list":true,"read":true,"write":true}}');
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(result.warnings).toEqual([]);
    // One of each, and nothing that writes an object: the upload is started and aborted.
    expect(s3Ops(stack).sort()).toEqual([
      expect.stringMatching(/^DELETE \/site\/\.aws-credentials-gate-probe-[0-9a-f]{32}\?uploadId$/),
      'GET /site/',
      'GET /site/index.html',
      expect.stringMatching(/^POST \/site\/\.aws-credentials-gate-probe-[0-9a-f]{32}\?uploads$/),
    ]);
    const started = stack.proxy.requests.find((r) => r.operation === 'S3:POST');
    const aborted = stack.proxy.requests.find((r) => r.operation === 'S3:DELETE');
    expect(new URL(aborted?.path ?? '', 'http://x').pathname).toBe(
      new URL(started?.path ?? '', 'http://x').pathname,
    );
    expect(aborted?.response?.status).toBe(204);
    expect(await contents(stack, admin, SITE)).toEqual(before);
    leaks(result);
  });

  test('put without s3:AbortMultipartUpload: write passes, and a warning says what stays and what to allow', async () => {
    try {
      const result = await stack
        .job()
        .main(inputs(roles.noAbort ?? '', { 'verify-bucket': SITE, 'verify-access': 'write' }));
      expectSuccess(result);
      const left = await contents(stack, admin, SITE);
      expect(left.uploads).toHaveLength(1);
      const upload = left.uploads[0] ?? { key: '', id: '' };
      expect(upload.key).toMatch(PROBE);
      expect(result.warnings).toEqual([
        expect.stringContaining(
          `multipart upload of ${upload.key} in bucket site (upload id ${upload.id}) could not be aborted`,
        ),
      ]);
      expect(result.warnings[0]).toContain('invisible to listings and billed');
      expect(result.warnings[0]).toContain('s3:AbortMultipartUpload on arn:aws:s3:::site/*');
      expect(result.outputs['bucket-access']).toBe('{"site/":{"write":true}}');
      expect(result.summary).toContain('⚠️ left an upload behind');
      leaks(result);
    } finally {
      await abortAll(stack, admin, SITE);
    }
  });

  test('two buckets, one denied: fails naming only the denied one; every check ran once per bucket', async () => {
    const result = await stack.job().main(
      inputs(roles.siteOnly ?? '', {
        'verify-bucket': `${SITE}\ns3://${ASSETS}`,
        'verify-access': 'list,read,write',
      }),
    );
    const message = expectFailure(result, {
      'bucket-accessible': 'false',
      'bucket-access': JSON.stringify({
        'site/': { list: true, read: true, write: true },
        'assets/': { list: true, read: false, write: false },
      }),
      'bucket-object-count': '3',
    });
    expect(message).toContain('S3 refused to read logo.png in bucket assets to');
    expect(message).toContain('it needs s3:GetObject on arn:aws:s3:::assets/logo.png');
    expect(message).toContain('S3 refused to write to bucket assets to');
    expect(message).toContain('it needs s3:PutObject on arn:aws:s3:::assets/*');
    expect(message).not.toContain('bucket site');
    // Per bucket: a listing, a ranged get, the upload started; the one S3 allowed, aborted.
    const ops = s3Ops(stack);
    expect(ops.filter((op) => op.startsWith('GET /site') || op.startsWith('GET /assets'))).toHaveLength(4);
    expect(ops.filter((op) => op.endsWith('?uploads'))).toHaveLength(2);
    expect(ops.filter((op) => op.endsWith('?uploadId'))).toEqual([expect.stringMatching(/^DELETE \/site\//)]);
    expect((await contents(stack, admin, SITE)).uploads).toEqual([]);
    expect((await contents(stack, admin, ASSETS)).uploads).toEqual([]);
    leaks(result);
  });

  test('a prefix with nothing under it: read could not be proved; a warning, and the credentials are exported', async () => {
    const result = await stack.job().main(
      inputs(roles.putter ?? '', {
        'verify-bucket': SITE,
        'verify-prefix': 'nothing',
        'verify-access': 'list,read',
      }),
    );
    expectSuccess(result);
    expect(result.warnings).toEqual([
      'Could not prove read access to bucket site under prefix "nothing": no object is listed there to read.',
    ]);
    expect(result.outputs).toMatchObject({
      'bucket-accessible': 'false',
      'bucket-access': '{"site/nothing":{"list":true,"read":null}}',
      'bucket-object-count': '0',
    });
    expect(result.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(result.summary).toContain('| read | `site` | `nothing` | ⚠️ could not prove |');
    leaks(result);
  });
});

describe('without IAM enforcement: prefixes with a slash', () => {
  const stack = useStack();
  const anyone = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };
  // Keys of the probe's own shape under the prefix: the probe must never be one of them.
  const SHAPED = Array.from(
    { length: 3 },
    (_, i) => `rel/.aws-credentials-gate-probe-${String(i).repeat(32)}`,
  );

  beforeAll(async () => {
    await seedBucket(stack.moto.url, anyone, 'site', ['rel/index.html', ...SHAPED, 'other/x']);
  }, 60_000);

  const inputs = (more: Record<string, string>) => ({
    ...scenariosAt(stack.proxy.url, 'us-east-1').withKeys(anyone, 'arn:aws:iam::123456789012:role/deploy'),
    's3-endpoint': stack.proxy.url,
    ...more,
  });

  test('list, read and write under rel/: keys of the probe shape are left as they are, nothing new', async () => {
    const before = await contents(stack, anyone, 'site');
    const result = await stack
      .job()
      .main(inputs({ 'verify-bucket': 's3://site/rel/', 'verify-access': 'list,read,write' }));
    expectSuccess(result);
    expect(result.outputs['bucket-access']).toBe('{"site/rel/":{"list":true,"read":true,"write":true}}');
    const started = stack.proxy.requests.find((r) => r.operation === 'S3:POST');
    const probeKey = decodeURIComponent(
      new URL(started?.path ?? '', 'http://x').pathname.replace(/^\/site\//, ''),
    );
    expect(probeKey).toMatch(/^rel\/\.aws-credentials-gate-probe-[0-9a-f]{32}$/);
    expect(SHAPED).not.toContain(probeKey);
    expect(await contents(stack, anyone, 'site')).toEqual(before);
    // The keys of that shape still hold what they held.
    const s3 = new S3Client({
      endpoint: stack.moto.url,
      region: 'us-east-1',
      credentials: anyone,
      forcePathStyle: true,
    });
    try {
      const body = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: SHAPED[0] }));
      expect(await body.Body?.transformToString()).toBe(`body of ${SHAPED[0]}`);
    } finally {
      s3.destroy();
    }
    expectNoLeaks(result, anyone.secretAccessKey, anyone.accessKeyId);
  });

  test('out of time while the probe starts its upload: the upload is aborted, then the step fails', async () => {
    const before = await contents(stack, anyone, 'site');
    // moto starts the upload at once; its answer comes after action-timeout-s has ended the step.
    stack.proxy.fault = (r) => (r.operation === 'S3:POST' ? { answerAfterMs: 3000 } : undefined);
    const result = await stack
      .job()
      .main(inputs({ 'verify-bucket': 's3://site/rel/', 'verify-access': 'write', 'action-timeout-s': '2' }));
    expect(expectFailure(result)).toBe(
      'action-timeout-s: the step did not finish within 2 s (S3 did not answer in time); no credentials were exported.',
    );
    expect(result.stdout).toContain(
      'action-timeout-s: out of time; waiting at most 10 s more for the write probe\'s upload in bucket site under prefix "rel/" to be aborted.',
    );
    expect(s3Ops(stack).map((op) => op.replace(/probe-[0-9a-f]{32}/, 'probe-*'))).toEqual([
      'POST /site/rel/.aws-credentials-gate-probe-*?uploads',
      'DELETE /site/rel/.aws-credentials-gate-probe-*?uploadId',
    ]);
    expect(await contents(stack, anyone, 'site')).toEqual(before);
    expectNoLeaks(result, anyone.secretAccessKey, anyone.accessKeyId);
  });

  test('two buckets, three checks: eight S3 requests, and one summary row per bucket and check', async () => {
    await seedBucket(stack.moto.url, anyone, 'assets', ['img/logo.png']);
    const result = await stack
      .job()
      .main(
        inputs({ 'verify-bucket': 's3://site/rel/\ns3://assets/img/', 'verify-access': 'list,read,write' }),
      );
    expectSuccess(result);
    expect(s3Ops(stack)).toHaveLength(8);
    expect(result.outputs['bucket-accessible']).toBe('true');
    expect(result.outputs['bucket-object-count']).toBe(String(1 + SHAPED.length + 1));
    const rows = result.summary.split('\n').filter((line) => /^\| (list|read|write) \|/.test(line));
    expect(rows).toEqual([
      `| list | \`site\` | \`rel/\` | ✅ ${1 + SHAPED.length} objects listed |`,
      '| read | `site` | `rel/` | ✅ proved |',
      '| write | `site` | `rel/` | ✅ proved |',
      '| list | `assets` | `img/` | ✅ 1 object listed |',
      '| read | `assets` | `img/` | ✅ proved |',
      '| write | `assets` | `img/` | ✅ proved |',
    ]);
    expect((await contents(stack, anyone, 'assets')).uploads).toEqual([]);
  });
});
