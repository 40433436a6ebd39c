/**
 * S3, for the access gate: the client, and the listing (ListObjectsV2) with the new credentials; the
 * read and write probes' requests are in s3-objects.ts. Loaded with a dynamic import, so a step without
 * verify-bucket never pays for the S3 client.
 */
// The SDK's ES modules, not its CommonJS entry, so the bundle keeps only what the gate uses: see s3-es.d.ts.
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  S3Client,
} from '@aws-sdk/client-s3/dist-es/index.js';
import type { DeserializeMiddleware } from '@smithy/types';
import type { Config } from '../inputs/config';
import type { Credentials } from '../names';
import { AwsCallError, classifyAwsError, describeFailure } from './classify';
import { type Hooks, transportOptions, watchRequests } from './clients';
import { type Listing, type RawAnswer, readListing } from './listing';

// For the gate, which loads this module only when it runs.
export { describeAnswer } from './listing';

/** S3 answered, but not with a listing of the bucket asked for: what came back, and what it is instead. */
export class NotAListing extends Error {
  override name = 'NotAListing';
  constructor(
    readonly answer: RawAnswer,
    readonly instead: string | undefined,
  ) {
    super('S3 answered something that is not a bucket listing');
  }
}

/**
 * A failed S3 request: the classified error, the bucket's real region when S3 told it, and how many
 * attempts were made (a request retried may have been carried out by an attempt whose answer was lost).
 */
export class BucketError extends AwsCallError {
  override name = 'BucketError';
  constructor(
    error: AwsCallError,
    readonly bucketRegion: string | undefined,
    readonly attempts = 1,
  ) {
    super(error.operation, error.detail, error.message);
  }
}

/** A failed S3 request as a BucketError; `detail` when the caller classified the error itself. */
export function bucketError(operation: string, error: unknown, detail = classifyAwsError(error, 'S3')) {
  const wrapped = new AwsCallError(operation, detail, describeFailure(detail));
  return new BucketError(wrapped, bucketRegionOf(error), attemptsOf(error));
}

/** How many attempts the SDK made of a request, from its answer's or its error's metadata. */
export function attemptsOf(answerOrError: unknown): number {
  const attempts = (answerOrError as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

export function createS3Client(
  config: Pick<Config, 'region' | 'retry' | 'proxy' | 's3Endpoint'>,
  credentials: Credentials,
  hooks: Hooks,
): S3Client {
  const endpoint = config.s3Endpoint;
  const client = new S3Client({
    ...transportOptions({ config, service: 's3', endpoint, hooks }),
    credentials,
    // Other S3s (moto, MinIO, Ceph) are addressed by path: their hosts have no per-bucket DNS.
    forcePathStyle: endpoint !== undefined,
    // No checksum the request does not need: a one-byte range has none of its own to check against, and
    // the write probe sends no data.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return watchRequests(client, 's3', hooks);
}

/**
 * Lists the bucket. Keys are asked for URL-encoded (EncodingType=url): XML cannot carry every character a
 * key may hold (a CR comes back as a LF), the encoding can. Throws NotAListing when S3 answers with
 * anything but a listing of the bucket asked for (an empty 200, a web page, another bucket's listing),
 * BucketError when the request fails.
 */
export async function listObjects(
  client: S3Client,
  request: { bucket: string; prefix: string; maxKeys: number },
): Promise<Listing> {
  const command = new ListObjectsV2Command({
    Bucket: request.bucket,
    MaxKeys: request.maxKeys,
    EncodingType: 'url',
    Prefix: request.prefix || undefined,
  });
  const seen: { answer?: RawAnswer } = {};
  command.middlewareStack.addRelativeTo(keepAnswer(seen), {
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    name: 'keepAnswerMiddleware',
  });
  let out: ListObjectsV2CommandOutput;
  try {
    out = await client.send(command);
  } catch (error) {
    const detail = classifyAwsError(error, 'S3');
    // A 2xx the SDK could not read (a web page that is not XML, JSON) is no refusal: it is not a listing.
    const { status } = detail;
    if (seen.answer && status !== undefined && status >= 200 && status < 300)
      throw new NotAListing(seen.answer, undefined);
    throw bucketError('ListObjectsV2', error, detail);
  }
  const answer = seen.answer ?? { status: 0, contentType: undefined, body: new Uint8Array() };
  const read = readListing(answer, out, request);
  if (!read.ok) throw new NotAListing(answer, read.instead);
  return read.listing;
}

/**
 * Keeps the last HTTP answer as it came (status, content type, body) before the SDK reads it, so that
 * one that is not a listing can be told as what it was. Runs inside the deserializer, as the SDK's own
 * throw200Exceptions does: it reads the body, and hands it on as bytes.
 */
function keepAnswer(seen: {
  answer?: RawAnswer;
}): DeserializeMiddleware<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> {
  return (next) => async (args) => {
    const result = await next(args);
    const response = result.response as {
      statusCode?: unknown;
      headers?: Record<string, string>;
      body?: unknown;
    };
    if (typeof response?.statusCode !== 'number') return result;
    const body = await bytesOf(response.body);
    response.body = body;
    const header = Object.entries(response.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'content-type',
    );
    seen.answer = { status: response.statusCode, contentType: header?.[1], body };
    return result;
  };
}

async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined || body === null) return new Uint8Array();
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** S3 names a bucket's region in the x-amz-bucket-region header of a redirect or a refusal. */
function bucketRegionOf(error: unknown): string | undefined {
  const response = (error as { $response?: { headers?: Record<string, string | undefined> } } | null)
    ?.$response;
  const region = response?.headers?.['x-amz-bucket-region'];
  return typeof region === 'string' && region !== '' ? region : undefined;
}
