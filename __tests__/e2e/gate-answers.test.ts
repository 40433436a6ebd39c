/**
 * The S3 access gate meets what S3 (or whatever answers as s3-endpoint) really sends: answers that are not
 * a listing of the bucket asked for, and keys that print as other keys. moto here does not enforce IAM:
 * when it does, it miscomputes the signature of a PutObject whose key holds such characters.
 */
import { seedBucket } from '../harness/aws';
import type { SeenRequest } from '../harness/proxy';
import { expectFailure, expectNoLeaks, expectSuccess, heldGate, useStack } from './stack';

const stack = useStack();
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
/**
 * Keys that read as other keys when printed raw (a CR, a right-to-left override, a zero-width space), a
 * backtick, and one that would be a workflow command.
 */
const ODD = ['100% sure+plus', '::warning::odd', 'back`tick', 'cr\rkey', 'rlo\u202efdp.exe', 'zw\u200bsp'];

beforeAll(async () => {
  const anyone = { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] };
  await seedBucket(stack.moto.url, anyone, 'artifacts', ['a.txt']);
  await seedBucket(stack.moto.url, anyone, 'oddkeys', ODD);
}, 60_000);

const inputs = (more: Record<string, string>) => ({
  'aws-region': 'us-east-1',
  'sts-endpoint': stack.proxy.url,
  's3-endpoint': stack.proxy.url,
  ...KEYS,
  'role-to-assume': 'arn:aws:iam::123456789012:role/deploy',
  ...more,
});
const s3Requests = () => stack.proxy.requests.filter((r) => r.operation.startsWith('S3:'));

describe('an answer that is not a listing of the bucket asked for holds the gate', () => {
  /** What the step's S3 request carried: the session token and the access key id it was signed with. */
  const sent = (r: SeenRequest) => ({
    token: String(r.headers['x-amz-security-token'] ?? ''),
    keyId: /Credential=([^/]+)\//.exec(String(r.headers.authorization ?? ''))?.[1] ?? '',
  });
  const otherListing =
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Name>someone-elses</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>50</MaxKeys>' +
    '<IsTruncated>false</IsTruncated><Contents><Key>a.txt</Key><Size>1</Size><ETag>"e"</ETag></Contents>' +
    '</ListBucketResult>';

  test.each([
    [
      'an empty 200',
      () => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: '' }),
      ': HTTP 200, content type text/plain, an empty body.',
    ],
    [
      // The page echoes what the request carried: the session token and the Authorization header.
      'an HTML page',
      (r: SeenRequest) => ({
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
        body: `<!DOCTYPE html>\n<html><!-- ${sent(r).token} ${r.headers.authorization} --><body>Sign in</body></html>`,
      }),
      ': HTTP 200, content type text/html; charset=utf-8, ',
    ],
    [
      'a listing of another bucket',
      () => ({ status: 200, headers: { 'Content-Type': 'application/xml' }, body: otherListing }),
      ' (a listing of bucket someone-elses): HTTP 200, content type application/xml, 308 bytes: "<?xml',
    ],
  ])('%s', async (name, answer, said) => {
    stack.proxy.fault = (r) => (r.operation.startsWith('S3:') ? answer(r) : undefined);
    const result = await stack.job().main(inputs({ 'verify-bucket': 'artifacts' }));
    const message = expectFailure(result, heldGate('artifacts/'));
    expect(message).toMatch(/^S3 answered something that is not a bucket listing of bucket artifacts[ :]/);
    expect(message).toContain(said);
    expect(message).not.toMatch(/[\r\n]/);
    expect(s3Requests()).toHaveLength(1);
    expect(result.summary).toContain('| Result | ❌ not accessible |');
    expect(result.summary).toContain('| Exported to later steps | no |');
    expect(result.summary).not.toContain('✅');
    const { token, keyId } = sent(s3Requests()[0] as SeenRequest);
    expect(token).not.toBe('');
    expect(keyId).toMatch(/^ASIA/);
    // Neither the error, the log nor the summary shows the session token or the access key id.
    expectNoLeaks(result, token, keyId, KEYS['aws-secret-access-key'], KEYS['aws-access-key-id']);
    if (name === 'an HTML page')
      expect(message).toContain('bytes: "<!DOCTYPE html>\\n<html><!-- *** AWS4-HMAC');
  });
});

describe('keys are shown as they are', () => {
  test('S3 is asked for URL-encoded keys; CR, bidi and zero-width characters show escaped in the log', async () => {
    const result = await stack.job().main(inputs({ 'verify-bucket': 'oddkeys' }));
    expectSuccess(result);
    expect(result.outputs['bucket-object-count']).toBe('6');
    const listed = new URL(s3Requests()[0]?.path ?? '', 'http://x');
    expect(listed.searchParams.get('encoding-type')).toBe('url');
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('::group::6 objects listed in s3://oddkeys/');
    expect(start).toBeGreaterThanOrEqual(0);
    // The key that looks like a command is fenced by ::stop-commands::, so the runner reads none.
    const token = /^::stop-commands::(.+)$/.exec(lines[start + 1] ?? '')?.[1];
    expect(lines[start + 8]).toBe(`::${token}::`);
    expect(result.warnings).toEqual([]);
    expect(lines.slice(start + 2, start + 8).map((line) => line.replace(/ => "[0-9a-f]{32}"$/, ''))).toEqual([
      '100% sure+plus',
      '::warning::odd',
      'back`tick',
      'cr\\rkey',
      'rlo\\u202efdp.exe',
      'zw\\u200bsp',
    ]);
    expect(lines[start + 9]).toBe('::endgroup::');
    expectNoLeaks(result, KEYS['aws-secret-access-key'], KEYS['aws-access-key-id']);
  });

  test('the summary shows them as the log does, and a backtick as a backtick', async () => {
    const result = await stack.job().main(inputs({ 'verify-bucket': 'oddkeys' }));
    expectSuccess(result);
    const keys = result.summary
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ')[0]);
    expect(keys).toEqual([
      '| `100% sure+plus`',
      '| `::warning::odd`',
      '| ``back`tick``',
      '| `cr\\rkey`',
      '| `rlo\\u202efdp.exe`',
      '| `zw\\u200bsp`',
    ]);
  });

  test('a prefix S3 echoes URL-encoded is read back as given', async () => {
    const result = await stack
      .job()
      .main(inputs({ 'verify-bucket': 'oddkeys', 'verify-prefix': '100% sure+' }));
    expectSuccess(result);
    expect(result.outputs['bucket-object-count']).toBe('1');
    expect(s3Requests()[0]?.response?.body).toContain('<Prefix>100%25%20sure%2B</Prefix>');
  });
});
