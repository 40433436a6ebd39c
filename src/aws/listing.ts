/**
 * What ListObjectsV2 answered, read as data: the listing of the bucket asked for (keys S3 URL-encoded
 * decoded), or why the answer is not that listing. Pure, and free of the S3 client: the gate loads it
 * without the SDK.
 */
import type { StrayAnswer } from './explain-bucket';

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

/** An HTTP answer as it came, before the SDK read it. */
export interface RawAnswer {
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}

/** The fields of ListObjectsV2's output read here (the SDK's type has more). */
export interface ListOutput {
  Name?: string | undefined;
  Prefix?: string | undefined;
  Delimiter?: string | undefined;
  StartAfter?: string | undefined;
  EncodingType?: string | undefined;
  IsTruncated?: boolean | undefined;
  Contents?: { Key?: string | undefined; Size?: number | undefined; ETag?: string | undefined }[] | undefined;
  CommonPrefixes?: { Prefix?: string | undefined }[] | undefined;
}

/** The listing asked for, or what the answer was instead (`instead` is undefined when nothing can be told). */
export type ReadListing = { ok: true; listing: Listing } | { ok: false; instead: string | undefined };

/** Text from the answer quoted in a reason is cut to this many characters. */
const QUOTED = 100;

/**
 * A value S3 URL-encoded, as it does with EncodingType=url: percent-encoded UTF-8, with `+` for a space
 * (a `+` itself comes as %2B). Throws URIError when it is not such a value.
 */
export function decodeS3Value(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** The root element of an XML body is ListBucketResult (after a BOM, the declaration, comments). */
function isListBucketResult(body: Uint8Array): boolean {
  const head = Buffer.from(body.subarray(0, 4096)).toString('utf8');
  return /^\ufeff?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<ListBucketResult[\s>/]/.test(head);
}

/**
 * The answer as a listing of `asked`: an XML ListBucketResult naming the bucket asked for, echoing the
 * prefix asked for, every key under it. With EncodingType=url in the answer, the values S3 encodes
 * (Key, Prefix, Delimiter, StartAfter, CommonPrefixes' Prefix) are decoded.
 */
export function readListing(
  answer: RawAnswer,
  out: ListOutput,
  asked: { bucket: string; prefix: string },
): ReadListing {
  const not = (instead?: string): ReadListing => ({ ok: false, instead });
  if (!isListBucketResult(answer.body)) return not();
  if (out.Name !== asked.bucket)
    return not(
      out.Name === undefined
        ? 'a listing naming no bucket'
        : `a listing of bucket ${out.Name.slice(0, QUOTED)}`,
    );
  let decoded: ListOutput;
  try {
    decoded = out.EncodingType === 'url' ? decodeOutput(out) : out;
  } catch {
    return not('values not URL-encoded as asked');
  }
  if (decoded.Prefix !== undefined && decoded.Prefix !== asked.prefix)
    return not(`a listing under prefix "${decoded.Prefix.slice(0, QUOTED)}"`);
  const objects = (decoded.Contents ?? []).map((item) => ({
    key: item.Key ?? '',
    size: item.Size ?? 0,
    etag: item.ETag ?? '',
  }));
  const stray = objects.find((o) => !o.key.startsWith(asked.prefix));
  if (stray) return not(`a key outside the prefix: ${stray.key.slice(0, QUOTED)}`);
  return { ok: true, listing: { objects, truncated: decoded.IsTruncated === true } };
}

function decodeOutput(out: ListOutput): ListOutput {
  const decode = (value: string | undefined) => (value === undefined ? undefined : decodeS3Value(value));
  return {
    ...out,
    Prefix: decode(out.Prefix),
    Delimiter: decode(out.Delimiter),
    StartAfter: decode(out.StartAfter),
    Contents: out.Contents?.map((item) => ({ ...item, Key: decode(item.Key) })),
    CommonPrefixes: out.CommonPrefixes?.map((item) => ({ ...item, Prefix: decode(item.Prefix) })),
  };
}

/**
 * An answer that is not a listing, for a reason: status, content type, size and its first characters,
 * with every secret (as sent, or URL-encoded) replaced by *** before it is cut short.
 */
export function describeAnswer(answer: RawAnswer, secrets: (string | undefined)[]): StrayAnswer {
  let text = Buffer.from(answer.body).toString('utf8');
  for (const secret of secrets.filter((s): s is string => !!s))
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join('***');
  const chars = [...text];
  return {
    status: answer.status,
    contentType: answer.contentType?.slice(0, QUOTED),
    bytes: answer.body.length,
    start: chars.slice(0, QUOTED).join(''),
    cut: chars.length > QUOTED,
  };
}
