/**
 * The S3 access gate: list the bucket with the new credentials and say, as data, whether that worked
 * and why not. The S3 client is loaded only here, only when verify-bucket is set.
 */
import type { BucketCheck, Config } from '../inputs/config';
import type { Issued } from '../names';
import type { Hooks } from './clients';
import { explainBucketFailure, explainNotAListing } from './explain-bucket';
import type { ListedObject } from './listing';

/** What the gate needs: the settings, the bucket to check, the credentials, and the step's hooks. */
export interface GateRequest {
  config: Config;
  check: BucketCheck;
  issued: Issued;
  hooks: Hooks;
}

export type GateResult =
  | { ok: true; check: BucketCheck; objects: ListedObject[]; truncated: boolean }
  | { ok: false; check: BucketCheck; reason: string };

export async function verifyBucket({ config, check, issued, hooks }: GateRequest): Promise<GateResult> {
  const s3 = await import('./s3');
  const client = s3.createS3Client(config, issued.credentials, hooks);
  try {
    const listing = await s3.listObjects(client, check);
    return { ok: true, check, ...listing };
  } catch (error) {
    if (error instanceof s3.NotAListing) {
      const { accessKeyId, secretAccessKey, sessionToken } = issued.credentials;
      const answer = s3.describeAnswer(error.answer, [accessKeyId, secretAccessKey, sessionToken]);
      const reason = explainNotAListing({ ...check, answer: { ...answer, instead: error.instead } });
      return { ok: false, check, reason };
    }
    if (!(error instanceof s3.BucketError)) throw error;
    const reason = explainBucketFailure({
      bucket: check.bucket,
      prefix: check.prefix,
      principal: issued.identity.arn,
      region: config.region,
      code: error.detail.code,
      kind: error.detail.kind,
      foreign: error.detail.foreign,
      status: error.detail.status,
      message: error.detail.message,
      bucketRegion: error.bucketRegion,
    });
    return { ok: false, check, reason };
  } finally {
    client.destroy();
  }
}
