/**
 * S3, for the access gate: one ListObjectsV2 with the new credentials. Loaded with a dynamic import, so
 * a step without verify-bucket never pays for the S3 client.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../inputs/config';
import type { Credentials } from '../names';
import { AwsCallError, classifyAwsError, describeFailure } from './classify';
import { type Hooks, transportOptions } from './clients';

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

export interface Listing {
  objects: ListedObject[];
  /** More keys exist beyond the ones listed. */
  truncated: boolean;
}

/** A failed listing: the classified error, plus the bucket's real region when S3 told it. */
export class BucketError extends AwsCallError {
  override name = 'BucketError';
  constructor(
    error: AwsCallError,
    readonly bucketRegion: string | undefined,
  ) {
    super(error.operation, error.detail, error.message);
  }
}

export function createS3Client(
  config: Pick<Config, 'region' | 'retry' | 'proxy' | 's3Endpoint'>,
  credentials: Credentials,
  hooks: Hooks,
): S3Client {
  const endpoint = config.s3Endpoint;
  return new S3Client({
    ...transportOptions({ config, service: 's3', endpoint, hooks }),
    credentials,
    // Other S3s (moto, MinIO, Ceph) are addressed by path: their hosts have no per-bucket DNS.
    forcePathStyle: endpoint !== undefined,
  });
}

export async function listObjects(
  client: S3Client,
  request: { bucket: string; prefix: string; maxKeys: number },
): Promise<Listing> {
  try {
    const out = await client.send(
      new ListObjectsV2Command({
        Bucket: request.bucket,
        MaxKeys: request.maxKeys,
        Prefix: request.prefix || undefined,
      }),
    );
    return {
      objects: (out.Contents ?? []).map((item) => ({
        key: item.Key ?? '',
        size: item.Size ?? 0,
        etag: item.ETag ?? '',
      })),
      truncated: out.IsTruncated === true,
    };
  } catch (error) {
    const detail = classifyAwsError(error, 'S3');
    const wrapped = new AwsCallError('ListObjectsV2', detail, describeFailure(detail));
    throw new BucketError(wrapped, bucketRegionOf(error));
  }
}

/** S3 names a bucket's region in the x-amz-bucket-region header of a redirect or a refusal. */
function bucketRegionOf(error: unknown): string | undefined {
  const response = (error as { $response?: { headers?: Record<string, string | undefined> } } | null)
    ?.$response;
  const region = response?.headers?.['x-amz-bucket-region'];
  return typeof region === 'string' && region !== '' ? region : undefined;
}
