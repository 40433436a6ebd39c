import { Readable } from 'node:stream';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Classified, classifyAwsError, describeFailure } from '../../src/aws/classify';

/** An error shaped as the AWS SDK v3 throws it. */
function sdkError(name: string, status?: number, message = 'm') {
  return Object.assign(new Error(message), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

describe('classifyAwsError', () => {
  test.each([
    ['AccessDenied', 403, 'denied', false],
    ['ValidationError', 400, 'invalid', false],
    ['MalformedPolicyDocument', 400, 'invalid', false],
    ['InvalidIdentityToken', 400, 'invalid', false],
    ['RegionDisabledException', 403, 'invalid', false],
    ['ExpiredToken', 400, 'credentials', false],
    ['InvalidClientTokenId', 403, 'credentials', false],
    ['SignatureDoesNotMatch', 403, 'credentials', false],
    ['Throttling', 400, 'throttled', true],
    ['ThrottlingException', 400, 'throttled', true],
    ['RequestLimitExceeded', 503, 'throttled', true],
    ['SomethingNew', 429, 'throttled', true],
    ['IDPCommunicationError', 400, 'unavailable', true],
    ['InternalFailure', 500, 'unavailable', true],
    ['SomethingNew', 503, 'unavailable', true],
    ['TimeoutError', undefined, 'unavailable', true],
    ['SomethingNew', 403, 'denied', false],
    ['SomethingNew', 400, 'other', false],
  ])('%s (HTTP %s) is %s, retriable %s', (name, status, kind, retriable) => {
    expect(classifyAwsError(sdkError(name, status))).toMatchObject({ kind, retriable, code: name });
  });

  test('Node network errors by code', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyAwsError(reset)).toMatchObject({
      kind: 'unavailable',
      retriable: true,
      code: 'ECONNRESET',
    });
  });

  test("a request timeout: retriable, said in plain words, without the HTTP handler's log prefix", () => {
    const timeout = Object.assign(
      new Error(
        '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 5000 ms requestTimeout.',
      ),
      { name: 'TimeoutError', code: 'ETIMEDOUT' },
    );
    expect(classifyAwsError(timeout)).toMatchObject({
      kind: 'unavailable',
      retriable: true,
      code: 'ETIMEDOUT',
      message: 'the endpoint did not answer within 5000 ms',
    });
  });

  test('a connection timeout: retriable, said in plain words', () => {
    const timeout = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server ' +
          'within the configured timeout of 3000 ms.',
      ),
      { name: 'TimeoutError' },
    );
    expect(classifyAwsError(timeout)).toMatchObject({
      kind: 'unavailable',
      retriable: true,
      code: 'TimeoutError',
      message: 'no connection to the endpoint within 3000 ms',
    });
  });

  test('a message on several lines is put on one', () => {
    const error = sdkError('ValidationError', 400, 'first line\n  second line.');
    expect(classifyAwsError(error).message).toBe('first line second line.');
  });

  test.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"],
  ])('an untrusted certificate (%s) is tls, final', (code, message) => {
    const error = Object.assign(new Error(message), { code });
    expect(classifyAwsError(error)).toMatchObject({ kind: 'tls', retriable: false, code });
  });

  test.each([[null], [undefined], ['a string'], [42], [{}]])('never throws on %p', (value) => {
    expect(classifyAwsError(value)).toMatchObject({ kind: 'other', retriable: false });
  });
});

/** The error a real SDK client throws when the endpoint answers so (no network: a fake request handler). */
async function answered(
  client: 'sts' | 'iam' | 's3',
  answer: { status: number; headers?: Record<string, string>; body?: string },
): Promise<unknown> {
  const options = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: answer.status,
          headers: answer.headers ?? {},
          body: Readable.from([Buffer.from(answer.body ?? '')]),
        },
      }),
    } as never,
  };
  const send = {
    sts: () =>
      new STSClient(options).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:role/r', RoleSessionName: 's' }),
      ),
    iam: () => new IAMClient(options).send(new GetRoleCommand({ RoleName: 'r' })),
    s3: () =>
      new S3Client({ ...options, forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: 'b' })),
  }[client];
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('the client accepted the answer');
}

const PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><p>Sign in<br></body></html>';
const HTML = { 'content-type': 'text/html; charset=utf-8' };

describe("answers that are not AWS's, as the SDK reports them, in plain words", () => {
  test.each([
    ['sts', 'STS'],
    ['iam', 'IAM'],
    ['s3', 'S3'],
  ] as const)(
    '%s: a 200 with an HTML page is "answered HTML", final, the page never shown',
    async (client, name) => {
      const detail = classifyAwsError(
        await answered(client, { status: 200, headers: HTML, body: PAGE }),
        name,
      );
      expect(detail).toEqual({
        kind: 'other',
        code: 'HtmlAnswer',
        status: 200,
        message: `the endpoint answered HTML (HTTP 200), not ${name}`,
        retriable: false,
        foreign: 'html',
      });
    },
  );

  test('an HTML page without its content type is known by its first tag', async () => {
    const detail = classifyAwsError(await answered('sts', { status: 200, body: PAGE }), 'STS');
    expect(detail.message).toBe('the endpoint answered HTML (HTTP 200), not STS');
  });

  test.each([
    ['sts', 'STS'],
    ['iam', 'IAM'],
    ['s3', 'S3'],
  ] as const)(
    '%s: a 302 names where it leads, without user info, query or fragment',
    async (client, name) => {
      const headers = { location: 'https://user:pw@login.example.com/sso/start?token=t0k3n#x' };
      const detail = classifyAwsError(await answered(client, { status: 302, headers }), name);
      expect(detail).toMatchObject({ kind: 'other', code: 'Redirect', status: 302, retriable: false });
      expect(detail.message).toBe(
        `the endpoint redirected to https://login.example.com/sso/start (HTTP 302) instead of answering as ${name} does`,
      );
    },
  );

  test('a relative Location is shown as given, up to its query', async () => {
    const detail = classifyAwsError(
      await answered('sts', { status: 307, headers: { location: '/login?next=%2F' } }),
      'STS',
    );
    expect(detail.message).toBe(
      'the endpoint redirected to /login (HTTP 307) instead of answering as STS does',
    );
  });

  test('a redirect with no Location says so', async () => {
    const detail = classifyAwsError(await answered('sts', { status: 301 }), 'STS');
    expect(detail.message).toBe(
      'the endpoint answered a redirect (HTTP 301) with no Location instead of answering as STS does',
    );
  });

  test("a 403 HTML page is not AWS refusing: never 'denied'", async () => {
    const detail = classifyAwsError(await answered('sts', { status: 403, headers: HTML, body: PAGE }), 'STS');
    expect(detail).toMatchObject({ kind: 'other', retriable: false, foreign: 'html' });
  });

  test("a gateway's 502 HTML page is retriable, and said so", async () => {
    const detail = classifyAwsError(await answered('sts', { status: 502, headers: HTML, body: PAGE }), 'STS');
    expect(detail).toMatchObject({
      kind: 'unavailable',
      retriable: true,
      message: 'the endpoint answered HTML (HTTP 502), not STS',
    });
  });

  test('a body AWS never sends: its status and media type, nothing of the body', async () => {
    const headers = { 'content-type': 'application/json\r\nX-Evil: 1' };
    const error = await answered('sts', { status: 200, headers, body: '{"secret":"value"}' });
    const detail = classifyAwsError(error, 'STS');
    expect(detail).toMatchObject({ kind: 'other', code: 'UnreadableAnswer', foreign: 'unreadable' });
    expect(detail.message).toBe("the endpoint's answer (HTTP 200, application/json) is not one STS sends");
  });

  test("an AWS error with its code is still AWS's, whatever the status", async () => {
    const body =
      '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/u ' +
      'is not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>';
    const detail = classifyAwsError(
      await answered('sts', { status: 403, headers: { 'content-type': 'text/xml' }, body }),
      'STS',
    );
    expect(detail).toMatchObject({
      kind: 'denied',
      code: 'AccessDenied',
      message: 'User: arn:aws:iam::1:user/u is not authorized',
    });
    expect(detail.foreign).toBeUndefined();
  });
});

describe('describeFailure: one line, no full stop of its own', () => {
  const detail = (more: Partial<Classified>): Classified => ({
    kind: 'other',
    code: 'ValidationError',
    message: 'm',
    retriable: false,
    ...more,
  });
  test.each([
    [
      detail({ status: 400, message: 'The requested DurationSeconds exceeds the limit.' }),
      'ValidationError (HTTP 400): The requested DurationSeconds exceeds the limit',
    ],
    [
      detail({ code: 'ETIMEDOUT', message: 'the endpoint did not answer within 5000 ms' }),
      'ETIMEDOUT: the endpoint did not answer within 5000 ms',
    ],
    [detail({ code: 'Throttling', status: 400, message: 'Throttling' }), 'Throttling (HTTP 400)'],
    [detail({ status: 400, message: 'two\nlines..' }), 'ValidationError (HTTP 400): two lines'],
    [
      detail({
        code: 'HtmlAnswer',
        status: 200,
        foreign: 'html',
        message: 'the endpoint answered HTML (HTTP 200), not STS',
      }),
      'the endpoint answered HTML (HTTP 200), not STS',
    ],
  ])('%j', (failure, line) => {
    expect(describeFailure(failure)).toBe(line);
  });
});
