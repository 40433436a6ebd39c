import { classifyAwsError } from '../../src/aws/classify';

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

  test("a request timeout: retriable, without the HTTP handler's log prefix in its message", () => {
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
      message: 'a request has exceeded the configured 5000 ms requestTimeout.',
    });
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
