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
  /** AWS's own message, on one line; for a foreign answer or a timeout, what happened in plain words. */
  message: string;
  retriable: boolean;
  /**
   * Set when the endpoint answered, but not as AWS does: an HTML page, a redirect, or a body with no AWS
   * error code in it. `code` is then ours (HtmlAnswer, Redirect, UnreadableAnswer), and `message` says it
   * all, the HTTP status included.
   */
  foreign?: 'html' | 'redirect' | 'unreadable';
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
  $response?: { headers?: Record<string, unknown>; body?: unknown };
}

/** What the SDK names an error when the answer held no AWS error code it could read. */
const NO_AWS_CODE = new Set(['Unknown', 'UnknownError', 'Error']);

/**
 * One AWS client error, classified. `service` ('STS', 'IAM', 'S3') names who should have answered, in
 * the plain-words message of an answer that was not AWS's.
 */
export function classifyAwsError(error: unknown, service = 'AWS'): Classified {
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
  const code = firstString(shape.Code, shape.code, shape.name) ?? 'UnknownError';
  const statusRaw = shape.$metadata?.httpStatusCode;
  const status = typeof statusRaw === 'number' ? statusRaw : undefined;
  const raw = oneLine(firstString(shape.message) ?? String(error));
  if (status !== undefined && NO_AWS_CODE.has(code)) return foreignAnswer(status, shape.$response, service);
  const kind = kindOf(code, status);
  return {
    kind,
    code,
    status,
    message: plainTimeout(withoutSdkPrefix(raw)),
    retriable: kind === 'throttled' || kind === 'unavailable',
  };
}

/**
 * An answer with no AWS error code in it, said in plain words: an HTML page (a sign-in portal, a
 * gateway's error page), a redirect, or a body AWS never sends. Not AWS's refusal, so never 'denied';
 * a gateway's 5xx and a 429 are still worth another attempt. Nothing of the body is shown, and of a
 * redirect's Location only its origin and path (a query may carry a token).
 */
function foreignAnswer(status: number, response: ErrorShape['$response'], service: string): Classified {
  const headers = response?.headers ?? {};
  const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : '');
  const kind: ErrorKind = status >= 500 ? 'unavailable' : status === 429 ? 'throttled' : 'other';
  const base = { kind, status, retriable: kind !== 'other' };
  const http = `HTTP ${status}`;
  if (status >= 300 && status < 400) {
    const location = shownLocation(header('location'));
    const where =
      location === ''
        ? `answered a redirect (${http}) with no Location`
        : `redirected to ${location} (${http})`;
    const message = `the endpoint ${where} instead of answering as ${service} does`;
    return { ...base, code: 'Redirect', foreign: 'redirect', message };
  }
  const type = header('content-type');
  const body = typeof response?.body === 'string' ? response.body : '';
  if (/html/i.test(type) || /^\s*<(!doctype html|html)[\s>]/i.test(body)) {
    const message = `the endpoint answered HTML (${http}), not ${service}`;
    return { ...base, code: 'HtmlAnswer', foreign: 'html', message };
  }
  // Of the media type only its own characters: the header is text the endpoint chose.
  const media = /^[\w.+-]+\/[\w.+-]+/.exec(type)?.[0];
  const what = media === undefined ? http : `${http}, ${media}`;
  const message = `the endpoint's answer (${what}) is not one ${service} sends`;
  return { ...base, code: 'UnreadableAnswer', foreign: 'unreadable', message };
}

/** A redirect's target as shown: origin and path only (no user info, query or fragment), one line, short. */
function shownLocation(raw: string): string {
  const value = raw.trim();
  const shown = URL.canParse(value)
    ? (({ protocol, host, pathname }) => `${protocol}//${host}${pathname}`)(new URL(value))
    : (value.split(/[?#]/)[0] ?? '');
  const printable = shown.replace(/[^\x21-\x7e]/g, '');
  return printable.length > 200 ? `${printable.slice(0, 200)}...` : printable;
}

/** The SDK's HTTP handler prefixes its own: "@smithy/node-http-handler - [ERROR] a request has exceeded…". */
function withoutSdkPrefix(message: string): string {
  return message.replace(/^@[\w-]+\/[\w-]+ - (\[\w+\] )?/, '');
}

/** The HTTP handler's timeouts, in plain words. */
function plainTimeout(message: string): string {
  const answer = /^a request has exceeded the configured (\d+) ms requestTimeout/.exec(message);
  if (answer) return `the endpoint did not answer within ${answer[1]} ms`;
  const connect = /^the request socket did not establish a connection .* timeout of (\d+) ms/.exec(message);
  if (connect) return `no connection to the endpoint within ${connect[1]} ms`;
  return message;
}

/** Any text on one line: runs of white space (line breaks included) become one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A failure in one line, for a sentence to end with a full stop of its own: `Code (HTTP n): message`,
 * or for a foreign answer its plain words. No trailing full stop.
 */
export function describeFailure(detail: Classified): string {
  const message = oneLine(detail.message).replace(/\.+$/, '');
  if (detail.foreign !== undefined) return message;
  const status = detail.status === undefined ? '' : ` (HTTP ${detail.status})`;
  const why = message === '' || message === detail.code ? '' : `: ${message}`;
  return `${detail.code}${status}${why}`;
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
