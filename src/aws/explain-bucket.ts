/**
 * Why the S3 access gate failed, in words that say what to change. Pure, like explain.ts, whose TLS
 * hint it shares.
 */
import type { ErrorKind } from './classify';
import { untrustedTlsHint } from './explain';

/** The bucket, with the prefix when one was asked for. */
export function bucketWhere(bucket: string, prefix: string): string {
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

/** A failed S3 request of the gate's, as classified, with the bucket's region when S3 named it. */
export interface BucketFailure {
  bucket: string;
  prefix: string;
  principal: string;
  region: string;
  code: string;
  status?: number | undefined;
  message: string;
  bucketRegion?: string | undefined;
  kind?: ErrorKind | undefined;
  /** The answer was not S3's (see Classified.foreign): `message` says what it was. */
  foreign?: string | undefined;
}

/** What the failed request was for: the list check's listing (the default), or a read or write probe. */
export type Task = 'list' | 'read' | 'write';

/** Codes S3 gives credentials it does not accept. */
export const CREDENTIAL_CODES: readonly string[] = [
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
];

/** S3 says the bucket is in another region than the one asked. */
export function inWrongRegion(failure: Omit<BucketFailure, 'bucket' | 'prefix' | 'principal'>): boolean {
  const { code, status, bucketRegion, region } = failure;
  return (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException' ||
    status === 301 ||
    (bucketRegion !== undefined && bucketRegion !== region)
  );
}

/**
 * Why an S3 request of the gate failed, in words that say what to change. A refusal is told as the
 * listing's (s3:ListBucket); read and write tell their own refusals, and give a task for the rest.
 */
export function explainBucketFailure(input: BucketFailure, task: Task = 'list'): string {
  const { bucket, prefix, principal, region, code, status, message, bucketRegion, kind, foreign } = input;
  const where = bucketWhere(bucket, prefix);
  const verb = task === 'read' ? 'read from' : task === 'write' ? 'write to' : 'list';
  const doing = task === 'read' ? 'Reading from' : task === 'write' ? 'Writing to' : 'Listing';
  if (code === 'NoSuchBucket') return `S3 bucket ${bucket} does not exist (checked in ${region}).`;
  // Not S3 refusing, nor S3 naming the bucket's region: whatever its status, just what it was.
  if (foreign !== undefined && bucketRegion === undefined) return `Could not ${verb} ${where}: ${message}.`;
  if (inWrongRegion(input)) {
    const actual = bucketRegion ? `is in ${bucketRegion}` : 'is in another region';
    const fix = bucketRegion ? `set aws-region: ${bucketRegion}` : 'set aws-region to the bucket region';
    return `S3 bucket ${bucket} ${actual}, not ${region}: ${fix} (S3 said ${code}).`;
  }
  if (CREDENTIAL_CODES.includes(code)) {
    return `S3 did not accept the credentials for ${principal} (${code}): they are invalid or expired. ${message}`;
  }
  if (task === 'list' && (code === 'AccessDenied' || status === 403)) {
    return (
      `S3 refused to list ${where} to ${principal}: it needs s3:ListBucket on arn:aws:s3:::${bucket}` +
      `${prefix === '' ? '' : ` (with s3:prefix "${prefix}" allowed)`}. S3 said: ${code}: ${message}`
    );
  }
  if (kind === 'tls') return `Could not ${verb} ${where}: ${code}: ${message}. ${untrustedTlsHint('S3')}`;
  if (status === undefined) return `Could not reach S3 to ${verb} ${where}: ${code}: ${message}`;
  return `${doing} ${where} failed: ${code} (HTTP ${status}): ${message}`;
}
