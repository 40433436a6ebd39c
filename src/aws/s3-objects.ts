/**
 * S3 requests of the gate's read and write checks: a one-byte ranged GetObject, HeadObject, and a
 * multipart upload started and aborted, with ListMultipartUploads to find one that a retried start may
 * have left. Loaded, like s3.ts, only when a gate asks for read or write. Each throws BucketError when S3
 * refuses or cannot be reached.
 */
// The SDK's ES modules, as in s3.ts (see s3-es.d.ts).
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3/dist-es/index.js';
import { type Classified, classifyAwsError } from './classify';
import { decodeS3Value } from './listing';
import { attemptsOf, bucketError } from './s3';

/** An object, by bucket and key. */
export interface ObjectAt {
  bucket: string;
  key: string;
}

/** Reads the object's first byte (Range: bytes=0-0), and nothing more. */
export async function readFirstByte(client: S3Client, { bucket, key }: ObjectAt): Promise<void> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }));
    // Drained, so that the connection is free again.
    await out.Body?.transformToByteArray();
  } catch (error) {
    throw bucketError('GetObject', error);
  }
}

/** The object's metadata; the KMS key it is encrypted with, when it is. */
export async function headObject(client: S3Client, { bucket, key }: ObjectAt): Promise<{ kmsKey?: string }> {
  try {
    const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { kmsKey: out.SSEKMSKeyId };
  } catch (error) {
    throw bucketError('HeadObject', error, headFailure(error));
  }
}

/**
 * A HEAD answer has no body, so an S3 refusal of one carries no error code: the SDK calls it Unknown, which
 * would read as an answer S3 never sends. Its status is all S3 says; it is named as S3 names it.
 */
export function headFailure(error: unknown): Classified {
  const detail = classifyAwsError(error, 'S3');
  const status = detail.status;
  if (detail.foreign !== 'unreadable' || status === undefined || status >= 500) return detail;
  const names: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound' };
  const code = names[status] ?? `HTTP${status}`;
  const message = 'S3 gives no reason in the answer to a HEAD request';
  return { kind: status === 403 ? 'denied' : 'other', code, status, message, retriable: false };
}

/** A multipart upload started: its id, and how many attempts starting it took. */
export interface StartedUpload {
  uploadId: string;
  attempts: number;
  /** The KMS key the object would be encrypted with, when S3 named one. */
  kmsKey?: string | undefined;
}

/** Starts a multipart upload of `key` (no part is ever uploaded: no object comes of it). */
export async function startUpload(client: S3Client, { bucket, key }: ObjectAt): Promise<StartedUpload> {
  try {
    const out = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    return { uploadId: out.UploadId ?? '', attempts: attemptsOf(out), kmsKey: out.SSEKMSKeyId };
  } catch (error) {
    throw bucketError('CreateMultipartUpload', error);
  }
}

/** Aborts a multipart upload: S3 drops it and any part of it. */
export async function abortUpload(client: S3Client, upload: ObjectAt & { uploadId: string }): Promise<void> {
  try {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId }),
    );
  } catch (error) {
    throw bucketError('AbortMultipartUpload', error);
  }
}

/** The ids of the multipart uploads in progress of exactly `key` (the first 1000). */
export async function uploadsOf(client: S3Client, { bucket, key }: ObjectAt): Promise<string[]> {
  try {
    const out = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key, EncodingType: 'url' }),
    );
    const encoded = out.EncodingType === 'url';
    return (out.Uploads ?? [])
      .filter((upload) => (encoded ? decodeS3Value(upload.Key ?? '') : upload.Key) === key)
      .map((upload) => upload.UploadId ?? '')
      .filter((id) => id !== '');
  } catch (error) {
    throw bucketError('ListMultipartUploads', error);
  }
}
