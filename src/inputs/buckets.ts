/**
 * The S3 gate's inputs: verify-bucket (one bucket, or several one a line), verify-prefix, verify-access,
 * verify-max-keys and verify-required, checked into one GateSettings.
 */
import { InputError } from '../errors';
import { Access, Input, PROBE_NAME, PROBE_RANDOM_HEX } from '../names';
import type { InputReader } from './env';
import { BUCKET_NAME, parseBoolean, parseInteger, parsePattern } from './parse';

/** One bucket the gate checks, and the key prefix its checks stay under ('' for the whole bucket). */
export interface BucketTarget {
  bucket: string;
  prefix: string;
}

/** What the S3 gate checks, where, and whether a failed check fails the step. */
export interface GateSettings {
  /** 1 to MAX_BUCKETS buckets, each with its prefix; every one gets every check. */
  targets: BucketTarget[];
  /** The checks, in the order list, read, write; never empty. Default [list]. */
  access: Access[];
  /** Most keys to list, 1-1000; default 50. */
  maxKeys: number;
  /** When true (default) a failed check fails the step and nothing is exported. */
  required: boolean;
}

/** Most buckets verify-bucket may name. */
export const MAX_BUCKETS = 10;

const ACCESS_WORDS = Object.values(Access);
export const ACCESS_FORM = `a comma-separated set of ${ACCESS_WORDS.join(', ')}, e.g. list,read,write`;

/** The longest key S3 takes, in bytes of UTF-8. */
const KEY_BYTES = 1024;

/**
 * verify-access: a set of the words list, read, write (default list). An empty word (`list,`, ` , `) or
 * any other word is refused, and so is read without list: the key read is the first one listed.
 */
export function parseAccess(raw: string): Access[] {
  if (raw === '') return [Access.List];
  const words = raw.split(',').map((word) => word.trim());
  if (words.some((word) => !(ACCESS_WORDS as string[]).includes(word)))
    throw InputError.invalid(Input.VerifyAccess, raw, ACCESS_FORM);
  const access = ACCESS_WORDS.filter((word) => words.includes(word));
  if (access.includes(Access.Read) && !access.includes(Access.List))
    throw new InputError(
      Input.VerifyAccess,
      `Input 'verify-access' ("${raw}") asks for read without list: read reads the first key listed under the prefix, so it needs list too (e.g. list,read).`,
    );
  return access;
}

/**
 * Every verify-* input, checked whether verify-bucket is set or not; undefined when it is not. With
 * several buckets verify-prefix is refused: each bucket's prefix is given as s3://bucket/prefix.
 */
export function readGateSettings(read: InputReader): GateSettings | undefined {
  const raw = read(Input.VerifyBucket);
  const prefixInput = read(Input.VerifyPrefix);
  const access = parseAccess(read(Input.VerifyAccess));
  const maxKeys = parseInteger(Input.VerifyMaxKeys, read(Input.VerifyMaxKeys) || '50', {
    min: 1,
    max: 1000,
    unit: 'keys',
  });
  const required = parseBoolean(Input.VerifyRequired, read(Input.VerifyRequired), true);
  if (raw === '') return undefined;
  const lines = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length > MAX_BUCKETS)
    throw new InputError(
      Input.VerifyBucket,
      `Input 'verify-bucket' names ${lines.length} buckets; at most ${MAX_BUCKETS} are checked (one a line, each a name or s3://bucket/prefix).`,
    );
  if (lines.length > 1 && prefixInput !== '')
    throw new InputError(
      Input.VerifyPrefix,
      `Input 'verify-prefix' ("${prefixInput}") applies to a single bucket, and verify-bucket names ${lines.length}: give each bucket its prefix as s3://bucket/prefix.`,
    );
  const targets = lines.map((line) =>
    readTarget(line, { prefixInput, writes: access.includes(Access.Write) }),
  );
  const seen = new Set<string>();
  for (const { bucket, prefix } of targets) {
    const where = `${bucket}/${prefix}`;
    if (seen.has(where))
      throw new InputError(
        Input.VerifyBucket,
        `Input 'verify-bucket' names s3://${where} twice; give each bucket and prefix once.`,
      );
    seen.add(where);
  }
  return { targets, access, maxKeys, required };
}

/** One line of verify-bucket: a name (with verify-prefix, if given) or s3://bucket/prefix. */
function readTarget(
  line: string,
  { prefixInput, writes }: { prefixInput: string; writes: boolean },
): BucketTarget {
  let bucket = line;
  let prefix = prefixInput;
  const url = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(line);
  if (url) {
    bucket = url[1] ?? '';
    const urlPrefix = url[2] ?? '';
    if (urlPrefix !== '' && prefixInput !== '') {
      throw new InputError(
        Input.VerifyPrefix,
        `Input 'verify-prefix' ("${prefixInput}") conflicts with the prefix in verify-bucket ("${line}"): give the prefix in one place.`,
      );
    }
    prefix = urlPrefix || prefixInput;
  }
  parsePattern(Input.VerifyBucket, bucket, BUCKET_NAME);
  const input = prefixInput === '' ? Input.VerifyBucket : Input.VerifyPrefix;
  if (prefix.length > KEY_BYTES)
    throw InputError.invalid(input, `${prefix.slice(0, 40)}…`, 'a key prefix of at most 1024 characters');
  // The write probe's key is the prefix and a name of its own: together within S3's limit.
  const room = KEY_BYTES - PROBE_NAME.length - PROBE_RANDOM_HEX;
  if (writes && Buffer.byteLength(prefix, 'utf8') > room)
    throw InputError.invalid(
      input,
      `${prefix.slice(0, 40)}…`,
      `with verify-access write, a key prefix of at most ${room} bytes (the write probe adds a name of its own; S3 keys hold at most ${KEY_BYTES})`,
    );
  return { bucket, prefix };
}
