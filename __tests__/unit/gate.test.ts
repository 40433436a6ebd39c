/**
 * The S3 gate's verdicts on every answer S3 can give its three checks, through the real S3 client: the
 * fake AWS stands where Node's HTTP handler stands, so the SDK parses each answer as it would S3's, and the
 * verdict is the one the step would log, output and summarise.
 */
import { kmsRefusal } from '../../src/aws/explain-access';
import { probeKey, verifyBuckets } from '../../src/aws/gate';
import { getConfig } from '../../src/inputs/config';
import { Access, type GateResult, PROBE_NAME } from '../../src/names';
import { type FakeAnswer, FakeAws, listing, s3Error } from '../fakes/aws';
import { reader, scenarios } from '../fixtures/inputs';

const PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const issued = {
  credentials: { accessKeyId: 'ASIAFAKEGATE', secretAccessKey: 'gate-secret', sessionToken: 'gate-token' },
  identity: { arn: PRINCIPAL, accountId: '123456789012' },
};

/** Runs the gate with these inputs (retries off unless given) against `aws`. */
async function gate(aws: FakeAws, inputs: Record<string, string>): Promise<GateResult> {
  const config = getConfig(reader({ ...scenarios.keysAndRole, 'disable-retry': 'true', ...inputs }), {});
  const settings = config.verify;
  if (!settings) throw new Error('no verify-bucket');
  return verifyBuckets({ config, settings, issued, hooks: { sender: aws.sender } });
}

/** The one bucket's verdict on `access`. */
function verdictOf(result: GateResult, access: Access) {
  const check = result.buckets[0]?.checks.find((c) => c.access === access);
  if (!check) throw new Error(`no ${access} check`);
  return check;
}

const ALL = { 'verify-bucket': 's3://site/rel/', 'verify-access': 'list,read,write' };
const sized = (entries: [string, number][]): FakeAnswer => {
  const contents = entries
    .map(([key, size]) => `<Contents><Key>${key}</Key><ETag>"e"</ETag><Size>${size}</Size></Contents>`)
    .join('');
  return {
    status: 200,
    body: `<ListBucketResult><Name>site</Name><Prefix>rel/</Prefix>${contents}</ListBucketResult>`,
  };
};
const kmsDenied = (action: string) =>
  s3Error(
    403,
    'AccessDenied',
    `User: ${PRINCIPAL} is not authorized to perform: ${action} on resource: ${KMS_KEY} because no identity-based policy allows the ${action} action`,
  );
const listed = () => sized([['rel/index.html', 3]]);

describe('read: a one-byte GetObject of the first key listed', () => {
  test.each<[string, FakeAnswer, boolean | null, string]>([
    [
      '206: passes',
      { status: 206, body: 'x' },
      true,
      'Proved read access to bucket site under prefix "rel/": read 1 byte of rel/index.html.',
    ],
    [
      '200 (a server that ignores the range): passes',
      { status: 200, body: 'abc' },
      true,
      'read 1 byte of rel/index.html',
    ],
    [
      'AccessDenied: fails, naming s3:GetObject on the key and the principal',
      s3Error(403, 'AccessDenied', 'Access Denied'),
      false,
      `S3 refused to read rel/index.html in bucket site under prefix "rel/" to ${PRINCIPAL}: it needs s3:GetObject on arn:aws:s3:::site/rel/index.html. S3 said: AccessDenied (HTTP 403): Access Denied.`,
    ],
    [
      'a KMS refusal: fails, naming kms:Decrypt and the key',
      kmsDenied('kms:Decrypt'),
      false,
      `the object is encrypted with KMS key ${KMS_KEY}, and reading it needs kms:Decrypt on that key`,
    ],
    [
      'NoSuchKey (gone since listed): could not prove',
      s3Error(404, 'NoSuchKey', 'The specified key does not exist.'),
      null,
      'no such key (it went after it was listed)',
    ],
    [
      'InvalidObjectState (archived): could not prove',
      s3Error(403, 'InvalidObjectState', "The operation is not valid for the object's storage class"),
      null,
      'its storage class',
    ],
    [
      'InvalidRequest (a customer-provided key): could not prove, S3 said why',
      s3Error(400, 'InvalidRequest', 'The object was stored using a form of Server Side Encryption.'),
      null,
      'for a reason other than permission. S3 said: InvalidRequest (HTTP 400): The object was stored using a form of Server Side Encryption.',
    ],
    [
      'NoSuchBucket: fails',
      s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist'),
      false,
      'S3 bucket site does not exist (checked in eu-west-1).',
    ],
    [
      'another region: fails, naming it',
      {
        ...s3Error(301, 'PermanentRedirect', 'Use the right endpoint.'),
        headers: { 'x-amz-bucket-region': 'us-east-2' },
      },
      false,
      'S3 bucket site is in us-east-2, not eu-west-1: set aws-region: us-east-2',
    ],
    [
      'ExpiredToken: fails',
      s3Error(400, 'ExpiredToken', 'The provided token has expired.'),
      false,
      'S3 did not accept the credentials',
    ],
    [
      'InternalError: fails',
      s3Error(500, 'InternalError', 'We encountered an internal error.'),
      false,
      'Reading from bucket site under prefix "rel/" failed: InternalError (HTTP 500)',
    ],
    [
      'a web page, not S3: fails',
      { status: 403, body: '<html><body>Sign in</body></html>', headers: { 'content-type': 'text/html' } },
      false,
      'Could not read from bucket site under prefix "rel/": the endpoint answered HTML (HTTP 403), not S3.',
    ],
  ])('%s', async (_name, answer, proved, said) => {
    const aws = new FakeAws().on('ListObjectsV2', listed).on('GetObject', () => answer);
    const read = verdictOf(await gate(aws, ALL), Access.Read);
    expect(read.proved).toBe(proved);
    expect(read.said).toContain(said);
    const asked = aws.requests.find((r) => r.action === 'GetObject');
    expect(asked?.params).toMatchObject({ bucket: 'site', key: 'rel/index.html', range: 'bytes=0-0' });
  });

  test('a KMS refusal that names no key: HeadObject (no KMS needed) names it', async () => {
    const aws = new FakeAws()
      .on('ListObjectsV2', listed)
      .on('GetObject', () =>
        s3Error(
          403,
          'AccessDenied',
          'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
        ),
      )
      .on('HeadObject', () => ({
        status: 200,
        body: '',
        headers: {
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': KMS_KEY,
        },
      }));
    const read = verdictOf(await gate(aws, ALL), Access.Read);
    expect(read.proved).toBe(false);
    expect(read.said).toContain(
      `encrypted with KMS key ${KMS_KEY}, and reading it needs kms:Decrypt on that key`,
    );
  });

  test.each<[string, FakeAnswer, boolean | null, string]>([
    [
      '200: passes',
      { status: 200, body: '' },
      true,
      'read the metadata of rel/empty (it has no byte to read)',
    ],
    [
      '403 (no body, as HEAD answers): fails, naming s3:GetObject',
      { status: 403, body: '' },
      false,
      'it needs s3:GetObject on arn:aws:s3:::site/rel/empty. S3 said: Forbidden (HTTP 403)',
    ],
    ['404: could not prove', { status: 404, body: '' }, null, 'no such key'],
    ['400: could not prove', { status: 400, body: '' }, null, 'S3 said: BadRequest (HTTP 400)'],
  ])('an empty object is proved with HeadObject; %s', async (_name, answer, proved, said) => {
    const aws = new FakeAws()
      .on('ListObjectsV2', () => sized([['rel/empty', 0]]))
      .on('HeadObject', () => answer);
    const read = verdictOf(await gate(aws, ALL), Access.Read);
    expect(read.proved).toBe(proved);
    expect(read.said).toContain(said);
    expect(aws.count('GetObject')).toBe(0);
  });

  test('the first non-empty key is read, not an empty one listed before it', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () =>
      sized([
        ['rel/', 0],
        ['rel/a', 5],
      ]),
    );
    expect(verdictOf(await gate(aws, ALL), Access.Read).proved).toBe(true);
    expect(aws.requests.find((r) => r.action === 'GetObject')?.params.key).toBe('rel/a');
  });

  test('a range S3 refuses (InvalidRange) falls back to HeadObject', async () => {
    const aws = new FakeAws()
      .on('ListObjectsV2', listed)
      .on('GetObject', () => s3Error(416, 'InvalidRange', 'The requested range is not satisfiable'));
    const read = verdictOf(await gate(aws, ALL), Access.Read);
    expect(read).toMatchObject({
      proved: true,
      said: expect.stringContaining('read the metadata of rel/index.html'),
    });
    expect(aws.count('HeadObject')).toBe(1);
  });

  test('nothing under the prefix: could not prove, and no object request', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => sized([]));
    const read = verdictOf(await gate(aws, ALL), Access.Read);
    expect(read).toEqual({
      access: 'read',
      proved: null,
      said: 'Could not prove read access to bucket site under prefix "rel/": no object is listed there to read.',
    });
    expect(aws.count('GetObject') + aws.count('HeadObject')).toBe(0);
  });

  test('the listing failed: read was not tried', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const result = await gate(aws, ALL);
    expect(verdictOf(result, Access.List).proved).toBe(false);
    expect(verdictOf(result, Access.Read)).toMatchObject({
      proved: null,
      said: expect.stringContaining('was not tried: the listing that finds a key to read failed'),
    });
    expect(aws.count('GetObject')).toBe(0);
  });
});

describe('write: a multipart upload of a probe key, started and aborted', () => {
  test('passes; the upload is aborted, nothing is left, and no object is written', async () => {
    const aws = new FakeAws().on('ListObjectsV2', listed);
    const result = await gate(aws, ALL);
    const write = verdictOf(result, Access.Write);
    const started = aws.requests.find((r) => r.action === 'CreateMultipartUpload');
    expect(started?.params.key).toMatch(/^rel\/\.aws-credentials-gate-probe-[0-9a-f]{32}$/);
    expect(write).toEqual({
      access: 'write',
      proved: true,
      said: `Proved write access to bucket site under prefix "rel/": a multipart upload of ${started?.params.key} was started and aborted; no object was created.`,
      leftover: undefined,
    });
    expect(aws.requests.find((r) => r.action === 'AbortMultipartUpload')?.params.key).toBe(
      started?.params.key,
    );
    expect(aws.uploads.size).toBe(0);
    // Only these four, once each: no object is put, completed or deleted.
    expect(aws.requests.map((r) => r.action).sort()).toEqual([
      'AbortMultipartUpload',
      'CreateMultipartUpload',
      'GetObject',
      'ListObjectsV2',
    ]);
    expect(result).toMatchObject({ accessible: true, failures: [] });
  });

  const resource = 'arn:aws:s3:::site/rel/*';
  test.each<[string, FakeAnswer, boolean | null, string]>([
    [
      'AccessDenied: fails, naming s3:PutObject on the prefix and the principal',
      s3Error(403, 'AccessDenied', 'Access Denied'),
      false,
      `S3 refused to write to bucket site under prefix "rel/" to ${PRINCIPAL}: it needs s3:PutObject on ${resource}. S3 said: AccessDenied (HTTP 403): Access Denied.`,
    ],
    [
      'AccessDenied by an identity policy: fails',
      s3Error(
        403,
        'AccessDenied',
        `User: ${PRINCIPAL} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::site/rel/x" because no identity-based policy allows the s3:PutObject action`,
      ),
      false,
      `it needs s3:PutObject on ${resource}`,
    ],
    [
      "a bucket policy's explicit deny (often of a request without an encryption header): could not prove",
      s3Error(
        403,
        'AccessDenied',
        `User: ${PRINCIPAL} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::site/rel/x" with an explicit deny in a resource-based policy`,
      ),
      null,
      'the bucket policy explicitly denies the write probe',
    ],
    [
      'a KMS refusal: fails, naming the KMS permission and the key',
      kmsDenied('kms:GenerateDataKey'),
      false,
      `new objects there are encrypted with KMS key ${KMS_KEY}, and writing needs kms:GenerateDataKey on that key`,
    ],
    [
      'Object Lock wants a checksum: could not prove, S3 said why',
      s3Error(
        400,
        'InvalidRequest',
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      ),
      null,
      'for a reason other than permission; a bucket with Object Lock, or one that requires a checksum or an encryption header, may refuse a request without one. S3 said: InvalidRequest (HTTP 400): Content-MD5 OR x-amz-checksum-',
    ],
    [
      'a required encryption header: could not prove',
      s3Error(400, 'MissingSecurityHeader', 'Your request was missing a required header'),
      null,
      'S3 said: MissingSecurityHeader',
    ],
    [
      'an encryption argument: could not prove',
      s3Error(
        400,
        'InvalidArgument',
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      ),
      null,
      'S3 said: InvalidArgument',
    ],
    [
      'a disabled KMS key: could not prove',
      s3Error(400, 'KMS.DisabledException', `${KMS_KEY} is disabled.`),
      null,
      'S3 said: KMS.DisabledException',
    ],
    [
      'NoSuchBucket: fails',
      s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist'),
      false,
      'S3 bucket site does not exist',
    ],
    [
      'SlowDown, retries off: fails',
      s3Error(503, 'SlowDown', 'Please reduce your request rate.'),
      false,
      'Writing to bucket site under prefix "rel/" failed: SlowDown (HTTP 503)',
    ],
    [
      'InvalidAccessKeyId: fails',
      s3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'),
      false,
      'S3 did not accept the credentials',
    ],
  ])('%s', async (_name, answer, proved, said) => {
    const aws = new FakeAws().on('CreateMultipartUpload', () => answer);
    const write = verdictOf(await gate(aws, ALL), Access.Write);
    expect(write.proved).toBe(proved);
    expect(write.said).toContain(said);
    expect(write.leftover).toBeUndefined();
    expect(aws.count('AbortMultipartUpload')).toBe(0);
    // Answered at once: nothing can have been left, nothing is looked for.
    expect(aws.count('ListMultipartUploads')).toBe(0);
  });

  test('the abort refused: write is proved, and what stays is said loudly with s3:AbortMultipartUpload', async () => {
    const aws = new FakeAws().on('AbortMultipartUpload', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const write = verdictOf(await gate(aws, ALL), Access.Write);
    const [uploadId, key] = [...aws.uploads][0] ?? [];
    expect(write.proved).toBe(true);
    expect(write.leftover).toBe(
      `The write probe's multipart upload of ${key} in bucket site under prefix "rel/" (upload id ${uploadId}) could not be aborted: AccessDenied (HTTP 403): Access Denied. ` +
        'It stays, invisible to listings and billed, until a lifecycle rule (AbortIncompleteMultipartUpload) removes it or someone aborts it: ' +
        `aws s3api abort-multipart-upload --bucket site --key '${key}' --upload-id '${uploadId}'. Give ${PRINCIPAL} s3:AbortMultipartUpload on ${resource}.`,
    );
  });

  test('a start retried after an answer was lost: the upload the lost attempt started is found and aborted', async () => {
    let attempts = 0;
    const aws = new FakeAws();
    aws.on('CreateMultipartUpload', (r) => {
      aws.startUpload(r); // carried out, but the answer is lost
      return attempts++ === 0
        ? s3Error(500, 'InternalError', 'We encountered an internal error.')
        : aws.startUpload(r);
    });
    const write = verdictOf(await gate(aws, { ...ALL, 'disable-retry': 'false' }), Access.Write);
    expect(write).toMatchObject({ proved: true, leftover: undefined });
    expect(aws.count('CreateMultipartUpload')).toBe(2);
    expect(aws.count('ListMultipartUploads')).toBe(1);
    expect(aws.count('AbortMultipartUpload')).toBe(3);
    expect(aws.uploads.size).toBe(0);
  });

  test('a start never answered: the gate looks for an upload it may have started, and aborts it', async () => {
    const aws = new FakeAws();
    aws.on('CreateMultipartUpload', (r) => {
      aws.startUpload(r);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    const write = verdictOf(await gate(aws, ALL), Access.Write);
    expect(write).toMatchObject({ proved: false, leftover: undefined });
    expect(write.said).toContain(
      'Could not reach S3 to write to bucket site under prefix "rel/": ECONNRESET',
    );
    expect(aws.uploads.size).toBe(0);
  });

  test('when looking for such an upload is refused, that is said loudly', async () => {
    const aws = new FakeAws()
      .on('CreateMultipartUpload', () => {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      })
      .on('ListMultipartUploads', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const write = verdictOf(await gate(aws, ALL), Access.Write);
    expect(write.leftover).toContain('was retried: an earlier attempt may have left an upload of');
    expect(write.leftover).toContain('behind, and looking for one failed: AccessDenied (HTTP 403)');
    expect(write.leftover).toContain('s3:ListBucketMultipartUploads on arn:aws:s3:::site');
  });

  test('the probe key: the prefix, then PROBE_NAME and 128 random bits in hex', () => {
    const asked: number[] = [];
    const key = probeKey('rel/', (bytes) => {
      asked.push(bytes);
      return Buffer.alloc(bytes, 0xab);
    });
    expect(key).toBe(`rel/${PROBE_NAME}${'ab'.repeat(16)}`);
    expect(asked).toEqual([16]);
    const keys = new Set(Array.from({ length: 10_000 }, () => probeKey('')));
    expect(keys.size).toBe(10_000);
  });

  test('the probe key never is an existing key, even in a bucket holding keys of its shape', async () => {
    const shaped = Array.from(
      { length: 20 },
      (_, i) => `rel/${PROBE_NAME}${i.toString(16).padStart(32, '0')}`,
    );
    const aws = new FakeAws().on('ListObjectsV2', () => sized(shaped.map((key) => [key, 1])));
    const probes = new Set<string>();
    for (let i = 0; i < 25; i++) {
      await gate(aws, ALL);
      const key = aws.requests.filter((r) => r.action === 'CreateMultipartUpload').at(-1)?.params.key ?? '';
      expect(shaped).not.toContain(key);
      probes.add(key);
    }
    expect(probes.size).toBe(25);
  });
});

describe('list, and the gate as a whole', () => {
  test('a listing that fails: the refusal names s3:ListBucket; the gate is not accessible', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const result = await gate(aws, { 'verify-bucket': 's3://site/rel/' });
    expect(result.failures).toEqual([
      `S3 refused to list bucket site under prefix "rel/" to ${PRINCIPAL}: it needs s3:ListBucket on arn:aws:s3:::site (with s3:prefix "rel/" allowed). S3 said: AccessDenied: Access Denied`,
    ]);
    expect(result.accessible).toBe(false);
  });

  test('an answer that is not a listing of the bucket fails list, and never shows a credential', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => ({
      status: 200,
      body: `<html>${issued.credentials.sessionToken}</html>`,
      headers: { 'content-type': 'text/html' },
    }));
    const list = verdictOf(await gate(aws, { 'verify-bucket': 'site' }), Access.List);
    expect(list.proved).toBe(false);
    expect(list.said).toContain('S3 answered something that is not a bucket listing of bucket site');
    expect(list.said).not.toContain(issued.credentials.sessionToken);
  });

  test('three checks on two buckets: 8 requests, one denied bucket named alone', async () => {
    const aws: FakeAws = new FakeAws()
      .on('ListObjectsV2', (r) => listing(r.params.bucket ?? '', ['a.txt']))
      .on('CreateMultipartUpload', (r) =>
        r.params.bucket === 'assets' ? s3Error(403, 'AccessDenied', 'Access Denied') : aws.startUpload(r),
      );
    const result = await gate(aws, { 'verify-bucket': 'site\nassets', 'verify-access': 'list,read,write' });
    expect(aws.count('s3')).toBe(2 + 2 + 2 + 1);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(
      /^S3 refused to write to bucket assets to .*s3:PutObject on arn:aws:s3:::assets\/\*/,
    );
    expect(result.buckets.map((b) => b.checks.map((c) => `${b.bucket} ${c.access} ${c.proved}`))).toEqual([
      ['site list true', 'site read true', 'site write true'],
      ['assets list true', 'assets read true', 'assets write false'],
    ]);
    expect(result.accessible).toBe(false);
  });

  test('list and write go out together; read follows the listing', async () => {
    // Each of list and write is answered only once the other has arrived: made one after the other, the
    // gate would wait for ever (and the race below fails the test).
    const arrived = { list: deferred(), write: deferred() };
    const order: string[] = [];
    const aws: FakeAws = new FakeAws()
      .on('ListObjectsV2', async () => {
        arrived.list.resolve();
        await arrived.write.promise;
        order.push('list answered');
        return listed();
      })
      .on('CreateMultipartUpload', async (r) => {
        arrived.write.resolve();
        await arrived.list.promise;
        order.push('write answered');
        return aws.startUpload(r);
      })
      .on('GetObject', () => {
        order.push('read sent');
        return { status: 206, body: 'x' };
      });
    const stuck = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('list and write were not sent together')), 2000).unref();
    });
    const result = await Promise.race([gate(aws, ALL), stuck]);
    expect(result.accessible).toBe(true);
    expect(order.indexOf('read sent')).toBeGreaterThan(order.indexOf('list answered'));
  });

  test('could-not-prove alone: not accessible, and no failure to hold the gate on', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => sized([]));
    const result = await gate(aws, ALL);
    expect(result).toMatchObject({ accessible: false, failures: [] });
  });
});

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("kmsRefusal: a refusal that is KMS's, and what it names", () => {
  const detail = (code: string, message: string) => ({
    kind: 'denied' as const,
    code,
    message,
    status: 403,
    retriable: false,
  });
  test.each([
    [
      'a permission and a key, the key ending the sentence',
      detail(
        'AccessDenied',
        `User: ${PRINCIPAL} is not authorized to perform: kms:Decrypt on resource: ${KMS_KEY}.`,
      ),
      { permission: 'kms:Decrypt', key: KMS_KEY },
    ],
    [
      'an alias',
      detail(
        'AccessDenied',
        'not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:123456789012:alias/site because x',
      ),
      { permission: 'kms:GenerateDataKey', key: 'arn:aws:kms:eu-west-1:123456789012:alias/site' },
    ],
    [
      'a key policy, naming neither',
      detail(
        'AccessDenied',
        'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
      ),
      { permission: undefined, key: undefined },
    ],
    [
      'KMS.AccessDeniedException',
      detail('KMS.AccessDeniedException', 'denied'),
      { permission: undefined, key: undefined },
    ],
    ["S3's own refusal", detail('AccessDenied', 'Access Denied'), undefined],
    ['a disabled key (no refusal)', detail('KMS.DisabledException', `${KMS_KEY} is disabled.`), undefined],
  ])('%s', (_name, given, expected) => {
    expect(kmsRefusal(given)).toEqual(expected);
  });
});
