/**
 * Turns a refusal into a sentence a person can act on. Pure: the facts (caller, role lookup, token
 * claims) are gathered elsewhere and passed in.
 */
import { accountRootOf, parseArn, principalOf } from './arn';
import type { ErrorKind } from './classify';

/** What IAM says of a role: its trust policy and session limit, that it does not exist, or why we can't tell. */
export type RoleLookup =
  | { found: true; maxSessionDuration: number; trustPolicy: unknown }
  | { found: false }
  | { unknown: string };

/** STS often names the refused caller: "User: arn:... is not authorized to perform ...". */
export function callerFromMessage(message: string): string | undefined {
  return /User: (arn:[^\s]+) is not authorized/.exec(message)?.[1];
}

/** The claims of a JWT, decoded without verification; undefined when it is not a JWT. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What to change when Node would not accept an endpoint's TLS certificate (kind 'tls'). */
export function untrustedTlsHint(service: string): string {
  return (
    `The TLS certificate presented for ${service} was not accepted: if a proxy that inspects TLS, or a ` +
    'private endpoint, signs with its own CA, give the job that CA as a PEM file in the ' +
    'NODE_EXTRA_CA_CERTS environment variable.'
  );
}

/** Claims that say which workflow asked and are safe to log. */
export const LOGGED_CLAIMS = ['sub', 'aud', 'repository', 'ref', 'environment', 'job_workflow_ref'] as const;

export function loggableClaims(claims: Record<string, unknown>): string[] {
  return LOGGED_CLAIMS.filter((name) => claims[name] !== undefined).map(
    (name) => `${name}: ${JSON.stringify(claims[name])}`,
  );
}

/**
 * Whether a trust policy allows `action` for `callerArn` by naming it, its account root, its account or
 * '*'. Conditions are not evaluated. undefined when the document is unreadable.
 */
export function trustAllows(policy: unknown, callerArn: string, action: string): boolean | undefined {
  if (typeof policy !== 'object' || policy === null) return undefined;
  const statements = asArray((policy as { Statement?: unknown }).Statement);
  const principal = principalOf(callerArn);
  const account = parseArn(callerArn)?.account ?? '';
  const accepted = new Set([principal, callerArn, accountRootOf(callerArn), account, '*']);
  return statements.some((raw) => {
    if (typeof raw !== 'object' || raw === null) return false;
    const statement = raw as { Effect?: unknown; Action?: unknown; Principal?: unknown };
    if (statement.Effect !== 'Allow') return false;
    const actions = asArray(statement.Action);
    if (!actions.some((a) => a === action || a === 'sts:*' || a === '*')) return false;
    if (statement.Principal === '*') return true;
    const named = asArray((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    return named.some((p) => typeof p === 'string' && accepted.has(p));
  });
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Why IAM cannot be asked about a role in another account than the caller's (see lookUpRole). */
export const OTHER_ACCOUNT =
  "the role is in another account than the caller's, and IAM answers only for its own";

export function explainAssumeRoleDenied(
  roleArn: string,
  caller: string | undefined,
  role: RoleLookup | undefined,
  awsMessage: string,
): string {
  const who = caller ?? 'the signing credentials';
  const head = `AssumeRole refused: ${who} may not assume ${roleArn}.`;
  let why: string;
  if (role === undefined || 'unknown' in role) {
    const lookup = role === undefined ? '' : ` (${role.unknown}, so the role could not be inspected)`;
    why =
      `Either the role's trust policy does not allow ${who}, or ${who} lacks sts:AssumeRole on the role${lookup}. ` +
      `Add ${caller ? `"${caller}"` : 'the caller'} as a principal of the trust policy.`;
  } else if (!role.found) {
    why = `The role does not exist in that account (iam:GetRole: NoSuchEntity). Check role-to-assume.`;
  } else {
    const allows = caller === undefined ? undefined : trustAllows(role.trustPolicy, caller, 'sts:AssumeRole');
    why =
      allows === false
        ? `The role exists, but its trust policy does not allow ${who}: add "${principalOf(who)}" as a principal.`
        : allows === true
          ? `The role exists and its trust policy names ${who}, so the refusal comes from elsewhere: ${who}'s own ` +
            'policies must allow sts:AssumeRole on the role (and no permissions boundary or SCP may deny it).'
          : `The role exists; its trust policy could not be checked against ${who}.`;
  }
  return `${head} ${why} AWS said: ${awsMessage}`;
}

export function explainDurationTooLong(roleArn: string, requested: number, max: number | undefined): string {
  const limit =
    max === undefined
      ? "the role's MaxSessionDuration (3600 seconds unless the role owner raised it)"
      : `${max} seconds, the role's MaxSessionDuration`;
  return (
    `Input 'role-duration-seconds' asks for ${requested} seconds, but ${roleArn} allows at most ${limit}. ` +
    `Lower role-duration-seconds${max === undefined ? '' : ` to ${max} or less`}, or raise the role's MaxSessionDuration.`
  );
}

/** AWS's refusal of a chained session longer than an hour. */
export function isChainedDurationRefusal(message: string): boolean {
  return /role chaining/i.test(message);
}

export function explainChainedDurationTooLong(roleArn: string, requested: number): string {
  return (
    `Input 'role-duration-seconds' asks for ${requested} seconds, but ${roleArn} is assumed with another ` +
    "role's temporary credentials (role chaining), and AWS limits such sessions to 3600 seconds whatever " +
    "the role's MaxSessionDuration. Lower role-duration-seconds to 3600 or less."
  );
}

export function explainWebIdentityDenied(
  roleArn: string,
  claims: Record<string, unknown> | undefined,
  awsMessage: string,
): string {
  const head = `AssumeRoleWithWebIdentity refused for ${roleArn}.`;
  if (claims === undefined)
    return `${head} The web identity token could not be decoded. AWS said: ${awsMessage}`;
  const sub = JSON.stringify(claims.sub ?? '');
  const aud = JSON.stringify(Array.isArray(claims.aud) ? claims.aud.join(',') : (claims.aud ?? ''));
  const iss = typeof claims.iss === 'string' ? ` from the identity provider ${claims.iss}` : '';
  return (
    `${head} The role's trust policy must allow sts:AssumeRoleWithWebIdentity${iss} for sub ${sub} and aud ${aud} ` +
    `(the claims of the token sent). AWS said: ${awsMessage}`
  );
}

/** STS's own words when DurationSeconds is over a role's limit. */
export function isDurationRefusal(message: string): boolean {
  return /MaxSessionDuration|DurationSeconds exceeds/i.test(message);
}

/** The bucket, with the prefix when one was asked for. */
function bucketWhere(bucket: string, prefix: string): string {
  return prefix === '' ? `bucket ${bucket}` : `bucket ${bucket} under prefix "${prefix}"`;
}

/** An answer to ListObjectsV2 that is not the listing asked for, as far as it can be told (no secret in it). */
export interface StrayAnswer {
  status: number;
  contentType: string | undefined;
  bytes: number;
  /** The body's first characters. */
  start: string;
  /** The body goes on after `start`. */
  cut: boolean;
  /** What it is instead, when that can be told: "a listing of bucket other". */
  instead?: string | undefined;
}

/**
 * The gate holds on an answer that is not a listing of the bucket: what came back, in one sentence. The
 * text is as the server sent it; whoever prints it makes it visible (see text.ts).
 */
export function explainNotAListing(input: { bucket: string; prefix: string; answer: StrayAnswer }): string {
  const { bucket, prefix, answer } = input;
  const instead = answer.instead === undefined ? '' : ` (${answer.instead})`;
  const type = answer.contentType ? `content type ${answer.contentType}` : 'no content type';
  const body =
    answer.bytes === 0 ? 'an empty body' : `${answer.bytes} bytes: "${answer.start}${answer.cut ? '…' : ''}"`;
  return (
    `S3 answered something that is not a bucket listing of ${bucketWhere(bucket, prefix)}${instead}: ` +
    `HTTP ${answer.status}, ${type}, ${body}.`
  );
}

/** Why the S3 access gate failed, in words that say what to change. */
export function explainBucketFailure(input: {
  bucket: string;
  prefix: string;
  principal: string;
  region: string;
  code: string;
  status?: number;
  message: string;
  bucketRegion?: string;
  kind?: ErrorKind;
}): string {
  const { bucket, prefix, principal, region, code, status, message, bucketRegion, kind } = input;
  const where = bucketWhere(bucket, prefix);
  if (code === 'NoSuchBucket') return `S3 bucket ${bucket} does not exist (checked in ${region}).`;
  const wrongRegion =
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException' ||
    status === 301 ||
    (bucketRegion !== undefined && bucketRegion !== region);
  if (wrongRegion) {
    const actual = bucketRegion ? `is in ${bucketRegion}` : 'is in another region';
    const fix = bucketRegion ? `set aws-region: ${bucketRegion}` : 'set aws-region to the bucket region';
    return `S3 bucket ${bucket} ${actual}, not ${region}: ${fix} (S3 said ${code}).`;
  }
  if (
    [
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'InvalidToken',
      'ExpiredToken',
      'TokenRefreshRequired',
    ].includes(code)
  ) {
    return `S3 did not accept the credentials for ${principal} (${code}): they are invalid or expired. ${message}`;
  }
  if (code === 'AccessDenied' || status === 403) {
    return (
      `S3 refused to list ${where} to ${principal}: it needs s3:ListBucket on arn:aws:s3:::${bucket}` +
      `${prefix === '' ? '' : ` (with s3:prefix "${prefix}" allowed)`}. S3 said: ${code}: ${message}`
    );
  }
  if (kind === 'tls') return `Could not list ${where}: ${code}: ${message}. ${untrustedTlsHint('S3')}`;
  if (status === undefined) return `Could not reach S3 to list ${where}: ${code}: ${message}`;
  return `Listing ${where} failed: ${code} (HTTP ${status}): ${message}`;
}
