/**
 * What the read and write probes' answers prove: passed, failed (a refusal names the permission, S3's or
 * KMS's and the key), or could not be proved (S3 refused for a reason other than permission), each said in
 * one sentence. One decision per failed answer (readCase, writeCase) gives both the proof and the sentence. Pure,
 * like explain-bucket.ts, whose sentences for a missing bucket, another region, bad credentials and S3 out
 * of reach are shared.
 */
import { Access, type CheckResult, type Proof } from '../names';
import { type Classified, describeFailure } from './classify';
import { bucketWhere, CREDENTIAL_CODES, explainBucketFailure, inWrongRegion } from './explain-bucket';

/** A probe of one object: where, by whom, and the key read or written. */
export interface Probe {
  bucket: string;
  prefix: string;
  principal: string;
  region: string;
  key: string;
}

/** A failed probe request: S3's answer, classified, and the bucket's region when S3 named it. */
export interface ProbeFailure {
  detail: Classified;
  bucketRegion?: string | undefined;
  /** The object's KMS key, when known otherwise than from S3's message (HeadObject names it). */
  kmsKey?: string | undefined;
}

/** S3's codes for "this principal may not": the only answers that prove a check false as denied. */
const REFUSALS = new Set(['AccessDenied', 'Forbidden', 'AllAccessDisabled']);

/**
 * What a failed probe's answer is: a refusal by KMS, by S3, or (write) by a bucket policy's explicit deny;
 * a failure outright (see failedOutright); or a refusal for a reason other than permission.
 */
type Case = 'kms' | 'refused' | 'policy' | 'outright' | 'other';

const PROOF: Record<Case, Proof> = {
  kms: false,
  refused: false,
  outright: false,
  // A bucket policy that requires an encryption header denies the probe, which sends none.
  policy: null,
  other: null,
};

const s3Said = (detail: Classified) => `S3 said: ${describeFailure(detail)}.`;

/**
 * A refusal that is KMS's (S3 passes it on): the permission and the key, as far as S3's message names
 * them. undefined when the refusal is not about KMS.
 */
export function kmsRefusal(detail: Classified): { permission?: string; key?: string } | undefined {
  const text = `${detail.code} ${detail.message}`;
  const kms = /\bkms:|\bKMS\b|customer master key/i.test(text);
  if (!kms || !(REFUSALS.has(detail.code) || /AccessDenied/.test(detail.code))) return undefined;
  return {
    permission: /\b(kms:[A-Za-z]+)/.exec(text)?.[1],
    key: /arn:aws[\w-]*:kms:[\w-]+:\d{12}:(?:key|alias)\/[\w/+=,.@:-]*[\w/+=,@:-]/.exec(text)?.[0],
  };
}

/**
 * An answer that settles the check as failed whatever the check: no such bucket, another region, bad
 * credentials, an answer that is not S3's, S3 out of reach or failing (after the retries).
 */
function failedOutright({ detail, bucketRegion }: ProbeFailure, region: string): boolean {
  return (
    detail.code === 'NoSuchBucket' ||
    detail.foreign !== undefined ||
    detail.status === undefined ||
    detail.status >= 500 ||
    detail.kind === 'throttled' ||
    CREDENTIAL_CODES.includes(detail.code) ||
    inWrongRegion({ ...detail, region, bucketRegion })
  );
}

function readCase(probe: Probe, failure: ProbeFailure): Case {
  if (kmsRefusal(failure.detail)) return 'kms';
  if (REFUSALS.has(failure.detail.code)) return 'refused';
  return failedOutright(failure, probe.region) ? 'outright' : 'other';
}

function writeCase(probe: Probe, failure: ProbeFailure): Case {
  const { detail } = failure;
  if (kmsRefusal(detail)) return 'kms';
  if (REFUSALS.has(detail.code))
    return /explicit deny in a resource-based policy/i.test(detail.message) ? 'policy' : 'refused';
  return failedOutright(failure, probe.region) ? 'outright' : 'other';
}

/** The read check's verdict: a ranged GetObject (or HeadObject) of `probe.key` failed, or passed (`how`). */
export function readVerdict(
  probe: Probe,
  failure?: ProbeFailure,
  how = `read 1 byte of ${probe.key}`,
): CheckResult {
  if (failure === undefined) {
    const said = `Proved read access to ${bucketWhere(probe.bucket, probe.prefix)}: ${how}.`;
    return { access: Access.Read, proved: true, said };
  }
  return { access: Access.Read, proved: PROOF[readCase(probe, failure)], said: explainRead(probe, failure) };
}

/** The write check's verdict: starting a multipart upload of the probe key failed, or passed. */
export function writeVerdict(probe: Probe, failure?: ProbeFailure): CheckResult {
  if (failure === undefined) {
    const where = bucketWhere(probe.bucket, probe.prefix);
    const said = `Proved write access to ${where}: a multipart upload of ${probe.key} was started and aborted; no object was created.`;
    return { access: Access.Write, proved: true, said };
  }
  return {
    access: Access.Write,
    proved: PROOF[writeCase(probe, failure)],
    said: explainWrite(probe, failure),
  };
}

/** Read was not tried: nothing listed under the prefix to read, or the listing failed. */
export function readUntried(where: { bucket: string; prefix: string; listed: boolean }): CheckResult {
  return { access: Access.Read, proved: null, said: explainReadUntried(where) };
}

/** Why a read probe failed, or could not prove read access. */
export function explainRead(probe: Probe, failure: ProbeFailure): string {
  const where = bucketWhere(probe.bucket, probe.prefix);
  const refusal = `S3 refused to read ${probe.key} in ${where} to ${probe.principal}`;
  const which = readCase(probe, failure);
  const { detail } = failure;
  if (which === 'kms') {
    const kms = kmsRefusal(detail);
    const named = kms?.key ?? failure.kmsKey;
    const key = named === undefined ? 'its KMS key (S3 did not name it)' : `KMS key ${named}`;
    return `${refusal}: the object is encrypted with ${key}, and reading it needs ${kms?.permission ?? 'kms:Decrypt'} on that key. ${s3Said(detail)}`;
  }
  if (which === 'refused')
    return `${refusal}: it needs s3:GetObject on arn:aws:s3:::${probe.bucket}/${probe.key}. ${s3Said(detail)}`;
  if (which === 'outright')
    return explainBucketFailure({ ...probe, ...detail, bucketRegion: failure.bucketRegion }, 'read');
  const why =
    detail.code === 'NoSuchKey' || detail.code === 'NotFound'
      ? 'no such key (it went after it was listed)'
      : detail.code === 'InvalidObjectState'
        ? 'its storage class (an archived object is read only once restored)'
        : 'a reason other than permission';
  return `Could not prove read access to ${where}: S3 refused to read ${probe.key} for ${why}. ${s3Said(detail)}`;
}

/** Why read was not tried. */
export function explainReadUntried(where: { bucket: string; prefix: string; listed: boolean }): string {
  const { listed } = where;
  const at = bucketWhere(where.bucket, where.prefix);
  return listed
    ? `Could not prove read access to ${at}: no object is listed there to read.`
    : `Read access to ${at} was not tried: the listing that finds a key to read failed.`;
}

/** Why a write probe failed, or could not prove write access. */
export function explainWrite(probe: Probe, failure: ProbeFailure): string {
  const where = bucketWhere(probe.bucket, probe.prefix);
  const resource = `arn:aws:s3:::${probe.bucket}/${probe.prefix}*`;
  const which = writeCase(probe, failure);
  const { detail } = failure;
  if (which === 'kms') {
    const kms = kmsRefusal(detail);
    const key = kms?.key === undefined ? "the bucket's KMS key (S3 did not name it)" : `KMS key ${kms.key}`;
    const needs = kms?.permission ?? 'kms:GenerateDataKey (and kms:Decrypt, for multipart uploads)';
    return `S3 refused to write to ${where} to ${probe.principal}: new objects there are encrypted with ${key}, and writing needs ${needs} on that key. ${s3Said(detail)}`;
  }
  if (which === 'policy')
    return `Could not prove write access to ${where}: the bucket policy explicitly denies the write probe (a multipart upload of ${probe.key}, with no encryption or checksum header) to ${probe.principal}. A policy that requires such a header denies a probe without one; if the bucket's policy does not, it denies ${probe.principal} s3:PutObject on ${resource}. ${s3Said(detail)}`;
  if (which === 'refused')
    return `S3 refused to write to ${where} to ${probe.principal}: it needs s3:PutObject on ${resource}. ${s3Said(detail)}`;
  if (which === 'outright')
    return explainBucketFailure({ ...probe, ...detail, bucketRegion: failure.bucketRegion }, 'write');
  return `Could not prove write access to ${where}: S3 refused the write probe (a multipart upload of ${probe.key}) for a reason other than permission; a bucket with Object Lock, or one that requires a checksum or an encryption header, may refuse a request without one. ${s3Said(detail)}`;
}

/** The probe's upload could not be aborted: what stays, what it costs, how to remove it, what to allow. */
export function explainAbortRefused(probe: Probe, uploadId: string, detail: Classified): string {
  const where = bucketWhere(probe.bucket, probe.prefix);
  const allow = REFUSALS.has(detail.code)
    ? ` Give ${probe.principal} s3:AbortMultipartUpload on arn:aws:s3:::${probe.bucket}/${probe.prefix}*.`
    : '';
  return (
    `The write probe's multipart upload of ${probe.key} in ${where} (upload id ${uploadId}) could not be aborted: ${describeFailure(detail)}. ` +
    'It stays, invisible to listings and billed, until a lifecycle rule (AbortIncompleteMultipartUpload) removes it or someone aborts it: ' +
    `aws s3api abort-multipart-upload --bucket ${probe.bucket} --key ${quoted(probe.key)} --upload-id ${quoted(uploadId)}.${allow}`
  );
}

/** The step ran out of time (action-timeout-s) before the probe's upload was known to be aborted. */
export function explainProbeUnfinished(probe: Probe): string {
  return (
    `The write probe's upload of ${probe.key} in ${bucketWhere(probe.bucket, probe.prefix)} was not known to be aborted when the step ended: ` +
    'it may stay, invisible to listings and billed, until a lifecycle rule (AbortIncompleteMultipartUpload) removes it or someone aborts it. ' +
    `aws s3api list-multipart-uploads --bucket ${probe.bucket} --prefix ${quoted(probe.key)} lists it.`
  );
}

/** Starting the probe's upload was retried, and looking for an upload an earlier attempt left failed. */
export function explainSweepFailed(probe: Probe, detail: Classified): string {
  return (
    `The write probe's upload start in bucket ${probe.bucket} was retried: an earlier attempt may have left an upload of ${probe.key} behind, ` +
    `and looking for one failed: ${describeFailure(detail)}. Uploads in progress are listed by aws s3api list-multipart-uploads --bucket ${probe.bucket} --prefix ${quoted(probe.key)} ` +
    `(s3:ListBucketMultipartUploads on arn:aws:s3:::${probe.bucket}).`
  );
}

/** A word quoted for a POSIX shell. */
function quoted(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}
