/**
 * The S3 gate: every check verify-access asks for, on every bucket verify-bucket names, made with the new
 * credentials, and what each proved, as data. Every bucket is checked at once, and in each, list and
 * write start together and read follows the listing (it reads the first key listed): the gate takes the
 * time of two requests after one another, however many buckets and checks. The S3 client is loaded only
 * here, only when verify-bucket is set.
 *
 * Write proves s3:PutObject without creating an object: it starts a multipart upload of a key under the
 * prefix and aborts it at once. The key's name is PROBE_NAME and 128 random bits, new each time; even were
 * it an existing object's key, that object would stay as it is: an upload creates nothing until it is
 * completed, and the abort names the upload by its id.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BucketTarget, Config, GateSettings } from '../inputs/config';
import {
  Access,
  type BucketResult,
  type CheckResult,
  FINISH_GRACE_MS,
  type GateResult,
  type Issued,
  PROBE_NAME,
  PROBE_RANDOM_HEX,
} from '../names';
import type { Hooks } from './clients';
import {
  explainAbortRefused,
  explainProbeUnfinished,
  explainSweepFailed,
  kmsRefusal,
  type Probe,
  type ProbeFailure,
  readUntried,
  readVerdict,
  writeVerdict,
} from './explain-access';
import { bucketWhere, explainBucketFailure, explainNotAListing } from './explain-bucket';
import type { ListedObject } from './listing';

/** What the gate needs: the settings, what to check, the credentials, and the step's hooks. */
export interface GateRequest {
  config: Config;
  settings: GateSettings;
  issued: Issued;
  hooks: Hooks;
}

/** What every check of the gate shares: the S3 modules and client, the settings, whose credentials. */
interface Context {
  s3: typeof import('./s3');
  objects: typeof import('./s3-objects');
  client: S3Client;
  /** The write probe's clean-up (its aborts, the look for uploads left): retried into the grace past the deadline. */
  cleanup: S3Client;
  config: Config;
  settings: GateSettings;
  principal: string;
  hooks: Hooks;
  /** Never shown, should an answer echo them (see describeAnswer). */
  secrets: (string | undefined)[];
}

/** A listing, as the list check proved it (objects empty unless it passed). */
interface Listed {
  check: CheckResult;
  objects: ListedObject[];
  truncated: boolean;
}

export async function verifyBuckets({ config, settings, issued, hooks }: GateRequest): Promise<GateResult> {
  const [s3, objects] = await Promise.all([import('./s3'), import('./s3-objects')]);
  const client = s3.createS3Client(config, issued.credentials, hooks);
  // Should action-timeout-s end the step while the probe's upload is started, its abort still gets its
  // retries, within the grace the step gives it (see MustFinish).
  const deadline = config.retry.deadline;
  const graced =
    deadline === undefined
      ? config
      : { ...config, retry: { ...config.retry, deadline: deadline + FINISH_GRACE_MS } };
  const cleanup = settings.access.includes(Access.Write)
    ? s3.createS3Client(graced, issued.credentials, hooks)
    : client;
  const { accessKeyId, secretAccessKey, sessionToken } = issued.credentials;
  const context: Context = {
    s3,
    objects,
    client,
    cleanup,
    config,
    settings,
    principal: issued.identity.arn,
    hooks,
    secrets: [accessKeyId, secretAccessKey, sessionToken],
  };
  try {
    const buckets = await Promise.all(settings.targets.map((target) => checkBucket(context, target)));
    const checks = buckets.flatMap((bucket) => bucket.checks);
    return {
      buckets,
      maxKeys: settings.maxKeys,
      required: settings.required,
      failures: checks.filter((check) => check.proved === false).map((check) => check.said),
      accessible: checks.every((check) => check.proved === true),
    };
  } finally {
    client.destroy();
    cleanup.destroy();
  }
}

/** The probe write makes: a key under the prefix that cannot be an existing one (see the top). */
export function probeKey(prefix: string, random: (bytes: number) => Buffer = randomBytes): string {
  return `${prefix}${PROBE_NAME}${random(PROBE_RANDOM_HEX / 2).toString('hex')}`;
}

async function checkBucket(context: Context, target: BucketTarget): Promise<BucketResult> {
  const asked = (access: Access) => context.settings.access.includes(access);
  const probe = (key: string): Probe => ({
    ...target,
    key,
    principal: context.principal,
    region: context.config.region,
  });
  const writing = asked(Access.Write)
    ? proveWriteToTheEnd(context, probe(probeKey(target.prefix)))
    : undefined;
  const listed = asked(Access.List) ? await list(context, target) : undefined;
  // Read is asked for only with list (see inputs/buckets.ts).
  const reading = asked(Access.Read) && listed ? proveRead(context, { target, listed }, probe) : undefined;
  const [read, write] = await Promise.all([reading, writing]);
  const checks = [listed?.check, read, write].filter((check) => check !== undefined);
  return { ...target, checks, objects: listed?.objects ?? [], truncated: listed?.truncated ?? false };
}

async function list(context: Context, target: BucketTarget): Promise<Listed> {
  const { s3, client, settings, config } = context;
  const failed = (said: string): Listed => ({
    check: { access: Access.List, proved: false, said },
    objects: [],
    truncated: false,
  });
  try {
    const listing = await s3.listObjects(client, { ...target, maxKeys: settings.maxKeys });
    const count = listing.objects.length;
    const more = listing.truncated ? ` (the first ${settings.maxKeys}; more exist)` : '';
    const said = `Listed ${count} object${count === 1 ? '' : 's'} in ${bucketWhere(target.bucket, target.prefix)}${more}.`;
    return { check: { access: Access.List, proved: true, said }, ...listing };
  } catch (error) {
    if (error instanceof s3.NotAListing) {
      const answer = s3.describeAnswer(error.answer, context.secrets);
      return failed(explainNotAListing({ ...target, answer: { ...answer, instead: error.instead } }));
    }
    const failure = probeFailure(context, error);
    return failed(
      explainBucketFailure({
        ...target,
        ...failure.detail,
        principal: context.principal,
        region: config.region,
        bucketRegion: failure.bucketRegion,
      }),
    );
  }
}

/**
 * Reads one byte of the first non-empty object listed (HeadObject when every one is empty, or S3 refuses
 * the range); nothing listed, nothing to prove.
 */
async function proveRead(
  context: Context,
  { target, listed }: { target: BucketTarget; listed: Listed },
  probe: (key: string) => Probe,
): Promise<CheckResult> {
  const { bucket, prefix } = target;
  if (!listed.check.proved) return readUntried({ bucket, prefix, listed: false });
  const chosen = listed.objects.find((object) => object.size > 0) ?? listed.objects[0];
  if (chosen === undefined) return readUntried({ bucket, prefix, listed: true });
  const objects = context.objects;
  const at = { bucket, key: chosen.key };
  if (chosen.size > 0) {
    try {
      await objects.readFirstByte(context.client, at);
      return readVerdict(probe(chosen.key));
    } catch (error) {
      const failure = probeFailure(context, error);
      if (failure.detail.code !== 'InvalidRange')
        return readVerdict(probe(chosen.key), await withKmsKey(context, at, failure));
    }
  }
  try {
    await objects.headObject(context.client, at);
    return readVerdict(
      probe(chosen.key),
      undefined,
      `read the metadata of ${chosen.key} (it has no byte to read)`,
    );
  } catch (error) {
    return readVerdict(probe(chosen.key), probeFailure(context, error));
  }
}

/** A KMS refusal seldom names the key; HeadObject, which needs no KMS permission, does. */
async function withKmsKey(context: Context, at: { bucket: string; key: string }, failure: ProbeFailure) {
  const kms = kmsRefusal(failure.detail);
  if (kms === undefined || kms.key !== undefined) return failure;
  try {
    const { kmsKey } = await context.objects.headObject(context.client, at);
    return { ...failure, kmsKey };
  } catch {
    return failure;
  }
}

/**
 * The write probe, let finish even when the step runs out of time meanwhile: an upload it started is
 * aborted then too, and what it could not abort is said with the step's failure (see MustFinish).
 */
function proveWriteToTheEnd(context: Context, probe: Probe): Promise<CheckResult> {
  const writing = proveWrite(context, probe);
  const unfinished = explainProbeUnfinished(probe);
  context.hooks.mustFinish?.({
    work: writing.then(
      (check) => check.leftover,
      () => unfinished,
    ),
    what: `the write probe's upload in ${bucketWhere(probe.bucket, probe.prefix)} to be aborted`,
    unfinished,
  });
  return writing;
}

/** Starts a multipart upload of the probe key and aborts it; any upload that stays is said loudly. */
async function proveWrite(context: Context, probe: Probe): Promise<CheckResult> {
  const objects = context.objects;
  const at = { bucket: probe.bucket, key: probe.key };
  let started: Awaited<ReturnType<typeof objects.startUpload>>;
  try {
    started = await objects.startUpload(context.client, at);
  } catch (error) {
    const failure = probeFailure(context, error);
    const verdict = writeVerdict(probe, failure);
    // An attempt whose answer was lost (retried, or never answered) may have started an upload all the same.
    const attempts = error instanceof context.s3.BucketError ? error.attempts : 1;
    if (attempts === 1 && failure.detail.status !== undefined) return verdict;
    return { ...verdict, leftover: await sweep(context, probe, []) };
  }
  const left: string[] = [];
  try {
    await objects.abortUpload(context.cleanup, { ...at, uploadId: started.uploadId });
  } catch (error) {
    left.push(explainAbortRefused(probe, started.uploadId, probeFailure(context, error).detail));
  }
  if (started.attempts > 1) left.push((await sweep(context, probe, [started.uploadId])) ?? '');
  const leftover = left.filter((text) => text !== '').join(' ');
  return { ...writeVerdict(probe), leftover: leftover === '' ? undefined : leftover };
}

/** Aborts every upload of the probe key but `done`; what could not be, or looked for, said. */
async function sweep(context: Context, probe: Probe, done: string[]): Promise<string | undefined> {
  const objects = context.objects;
  const at = { bucket: probe.bucket, key: probe.key };
  let found: string[];
  try {
    found = await objects.uploadsOf(context.cleanup, at);
  } catch (error) {
    return explainSweepFailed(probe, probeFailure(context, error).detail);
  }
  const left: string[] = [];
  for (const uploadId of found.filter((id) => !done.includes(id))) {
    try {
      await objects.abortUpload(context.cleanup, { ...at, uploadId });
    } catch (error) {
      left.push(explainAbortRefused(probe, uploadId, probeFailure(context, error).detail));
    }
  }
  return left.length === 0 ? undefined : left.join(' ');
}

/** A failed S3 request as the verdicts take it; anything else is no S3 answer, and is thrown on. */
function probeFailure(context: Context, error: unknown): ProbeFailure {
  if (!(error instanceof context.s3.BucketError)) throw error;
  return { detail: error.detail, bucketRegion: error.bucketRegion };
}
