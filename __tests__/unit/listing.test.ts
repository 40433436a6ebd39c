import { explainNotAListing } from '../../src/aws/explain-bucket';
import { decodeS3Value, describeAnswer, type RawAnswer, readListing } from '../../src/aws/listing';

const asked = { bucket: 'site', prefix: '' };
const xml = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ListBucketResult>`;
const answer = (
  body: string,
  contentType: string | undefined = 'application/xml',
  status = 200,
): RawAnswer => ({
  status,
  contentType,
  body: Buffer.from(body, 'utf8'),
});

describe('readListing: only a listing of the bucket asked for is one', () => {
  test('a listing of the bucket, keys URL-encoded and decoded', () => {
    const out = {
      Name: 'site',
      Prefix: '',
      EncodingType: 'url',
      IsTruncated: true,
      Contents: [
        { Key: 'a%0Db', Size: 3, ETag: '"e"' },
        { Key: 'run+books/x%E2%80%AE.txt', Size: 1, ETag: '"f"' },
        { Key: 'a%2Bb%25', Size: 1, ETag: '"g"' },
      ],
    };
    expect(readListing(answer(xml('<Name>site</Name>')), out, asked)).toEqual({
      ok: true,
      listing: {
        truncated: true,
        objects: [
          { key: 'a\rb', size: 3, etag: '"e"' },
          { key: 'run books/x\u202e.txt', size: 1, etag: '"f"' },
          { key: 'a+b%', size: 1, etag: '"g"' },
        ],
      },
    });
  });

  test('without EncodingType in the answer (an S3 that ignores it) keys are taken as they are', () => {
    const out = { Name: 'site', Contents: [{ Key: 'a+b%20', Size: 1, ETag: '"e"' }] };
    const read = readListing(answer(xml('')), out, asked);
    expect(read).toMatchObject({ ok: true, listing: { objects: [{ key: 'a+b%20' }] } });
  });

  test('an encoded prefix is decoded before it is compared with the one asked for', () => {
    const out = {
      Name: 'site',
      Prefix: '100%25+sure%2B',
      EncodingType: 'url',
      Contents: [{ Key: '100%25+sure%2Bx' }],
    };
    const read = readListing(answer(xml('')), out, { bucket: 'site', prefix: '100% sure+' });
    expect(read).toMatchObject({ ok: true, listing: { objects: [{ key: '100% sure+x' }] } });
  });

  test('a root element after a BOM, comments and whitespace is still the root', () => {
    const body =
      '\ufeff<?xml version="1.0"?>\n<!-- proxy -->\n<ListBucketResult><Name>site</Name></ListBucketResult>';
    expect(readListing(answer(body), { Name: 'site' }, asked)).toMatchObject({ ok: true });
  });

  test.each([
    ['an empty 200', answer('', undefined), {}, undefined],
    ['an HTML page', answer('<!DOCTYPE html><html><body>Hi</body></html>', 'text/html'), {}, undefined],
    [
      'HTML naming the bucket',
      answer('<html><Name>site</Name></html>', 'text/html'),
      { Name: 'site' },
      undefined,
    ],
    ['an error document', answer('<Error><Code>x</Code></Error>'), {}, undefined],
    ['another bucket', answer(xml('')), { Name: 'other' }, 'a listing of bucket other'],
    ['no bucket named', answer(xml('')), {}, 'a listing naming no bucket'],
    ['another prefix', answer(xml('')), { Name: 'site', Prefix: 'logs/' }, 'a listing under prefix "logs/"'],
    [
      'a key outside the prefix',
      answer(xml('')),
      { Name: 'site', Contents: [{ Key: 'other' }] },
      'a key outside the prefix: other',
    ],
    [
      'keys that are not URL-encoded as asked',
      answer(xml('')),
      { Name: 'site', EncodingType: 'url', Contents: [{ Key: '%E2%80' }] },
      'values not URL-encoded as asked',
    ],
  ])('not a listing: %s', (_name, raw, out, instead) => {
    const prefix = _name === 'a key outside the prefix' ? 'p/' : '';
    expect(readListing(raw, out, { bucket: 'site', prefix })).toEqual({ ok: false, instead });
  });
});

test.each([
  ['a+b', 'a b'],
  ['a%2Bb', 'a+b'],
  ['%ED%95%9C', '한'],
  ['%0D%0A', '\r\n'],
])('decodeS3Value(%j) = %j', (encoded, decoded) => {
  expect(decodeS3Value(encoded)).toBe(decoded);
});

describe('describeAnswer', () => {
  const token = 'IQoJb3JpZ2luX2VjE/+token==';
  test('secrets, as sent or URL-encoded, are gone before the body is cut short', () => {
    const body = `<html>${token} ${encodeURIComponent(token)} AKIAKEY wJalrSECRET ${'x'.repeat(200)}`;
    const told = describeAnswer(answer(body, 'text/html'), ['AKIAKEY', 'wJalrSECRET', token, undefined]);
    expect(told).toEqual({
      status: 200,
      contentType: 'text/html',
      bytes: Buffer.byteLength(body),
      start: `<html>*** *** *** *** ${'x'.repeat(78)}`,
      cut: true,
    });
  });

  test('a secret that would straddle the cut is gone too', () => {
    const body = `${'y'.repeat(95)}${token}`;
    expect(describeAnswer(answer(body), [token]).start).toBe(`${'y'.repeat(95)}***`);
  });

  test('characters, not bytes, are counted for the start; the size is in bytes', () => {
    const told = describeAnswer(answer('日本'), []);
    expect(told).toMatchObject({ bytes: 6, start: '日本', cut: false });
  });
});

describe('explainNotAListing', () => {
  const base = { status: 200, contentType: 'text/html', bytes: 40, start: '<html>', cut: true };
  test.each([
    [
      { ...base },
      'S3 answered something that is not a bucket listing of bucket site: HTTP 200, content type text/html, 40 bytes: "<html>…".',
    ],
    [
      { ...base, contentType: undefined, bytes: 0, start: '', cut: false },
      'S3 answered something that is not a bucket listing of bucket site: HTTP 200, no content type, an empty body.',
    ],
    [
      {
        ...base,
        contentType: 'application/xml',
        start: '<?xml?>',
        cut: false,
        instead: 'a listing of bucket other',
      },
      'S3 answered something that is not a bucket listing of bucket site (a listing of bucket other): HTTP 200, content type application/xml, 40 bytes: "<?xml?>".',
    ],
  ])('%j', (stray, sentence) => {
    expect(explainNotAListing({ bucket: 'site', prefix: '', answer: stray })).toBe(sentence);
  });

  test('names the prefix asked for', () => {
    expect(explainNotAListing({ bucket: 'site', prefix: 'rel/', answer: base })).toContain(
      'not a bucket listing of bucket site under prefix "rel/":',
    );
  });
});
