/**
 * AWS errors classified once: what went wrong, whose fault it is, and whether a retry can help.
 */

export type ErrorKind =
  /** The caller is not allowed (AccessDenied and friends). Final. */
  | 'denied'
  /** The request itself is wrong (validation, malformed policy, bad token). Final. */
  | 'invalid'
  /** The credentials used to sign are bad or expired. Final. */
  | 'credentials'
  /** AWS asked us to slow down. Retriable. */
  | 'throttled'
  /** AWS or the network failed on its side (5xx, reset, timeout). Retriable. */
  | 'unavailable'
  /** Nothing listens there, or the name does not resolve: a wrong endpoint, most likely. Final. */
  | 'unreachable'
  /** Node did not trust the endpoint's TLS certificate (or it names another host). Final: a retry meets
   * the same certificate. */
  | 'tls'
  /** Anything else. Final. */
  | 'other';

export interface Classified {
  kind: ErrorKind;
  /** The AWS error code, e.g. AccessDenied, or the Node error code, e.g. ECONNRESET. */
  code: string;
  /** HTTP status when there was a response. */
  status?: number;
  /** AWS's own message. */
  message: string;
  retriable: boolean;
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);
const INVALID = new Set([
  'ValidationError',
  'ValidationException',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'InvalidIdentityToken',
  'IDPRejectedClaim',
  'InvalidParameterValue',
  'RegionDisabledException',
  'InvalidAuthorizationMessageException',
]);
const CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'CredentialsProviderError',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
]);
const UNAVAILABLE = new Set([
  'IDPCommunicationError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Node's (OpenSSL's) codes for a certificate it will not accept. */
const TLS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function classifyAwsError(error: unknown): Classified {
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
  const code = firstString(shape.Code, shape.code, shape.name) ?? 'UnknownError';
  const statusRaw = shape.$metadata?.httpStatusCode;
  const status = typeof statusRaw === 'number' ? statusRaw : undefined;
  // The SDK's HTTP handler prefixes its own: "@smithy/node-http-handler - [ERROR] a request has exceeded…".
  const message = (firstString(shape.message) ?? String(error)).replace(/^@[\w-]+\/[\w-]+ - \[\w+\] /, '');
  const kind = kindOf(code, status);
  return {
    kind,
    code,
    status,
    message,
    retriable: kind === 'throttled' || kind === 'unavailable',
  };
}

function kindOf(code: string, status: number | undefined): ErrorKind {
  if (DENIED.has(code)) return 'denied';
  if (INVALID.has(code)) return 'invalid';
  if (CREDENTIALS.has(code)) return 'credentials';
  if (THROTTLED.has(code) || status === 429) return 'throttled';
  if (UNAVAILABLE.has(code) || (status !== undefined && status >= 500)) return 'unavailable';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (TLS.has(code)) return 'tls';
  if (status === 403) return 'denied';
  return 'other';
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

/** An AWS call failed; the message says what was asked, of whom, and why it failed. */
export class AwsCallError extends Error {
  override name = 'AwsCallError';
  constructor(
    readonly operation: string,
    readonly detail: Classified,
    message: string,
  ) {
    super(message);
  }
}
