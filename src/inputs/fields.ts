/**
 * The inputs that take more than one line to read: keys, duration, retries, tags (the S3 gate's are in
 * buckets.ts).
 * Each reader checks its inputs and throws an InputError naming the input, the value and the form.
 */
import type { Tag } from '@aws-sdk/client-sts';
import { InputError } from '../errors';
import { type Credentials, DEFAULT_SESSION_SECONDS, type Env, Input, StsOperation } from '../names';
import type { InputReader } from './env';
import { ACCESS_KEY_ID, POLICY_ARN, parseArnList, parseBoolean, parseInteger, parsePattern } from './parse';
import { defaultSessionTags, parseCustomTags, parseTransitiveTagKeys, sessionTags } from './tags';

export interface SessionTagging {
  tags: Tag[];
  transitiveTagKeys: string[];
}

/** How often an AWS request is tried, and until when. */
export interface RetryPolicy {
  /** Attempts in all, first included; 1 means no retry. */
  maxAttempts: number;
  /** Epoch ms after which no new attempt is started; absent for no limit. */
  deadline?: number;
}

/** Lifetimes STS allows for a role session, in seconds. */
export const ROLE_DURATION = { min: 900, max: 43200 } as const;
/** The longest session AWS gives a role assumed by role chaining, in seconds. */
export const CHAINED_MAX = DEFAULT_SESSION_SECONDS;

/** Lifetimes STS allows for GetSessionToken and GetFederationToken, in seconds. */
export const TOKEN_DURATION = { min: 900, max: 129600 } as const;

/** Attempts per AWS request: retry-max-attempts (default 12), or 1 with disable-retry. */
export function readRetry(read: InputReader): RetryPolicy {
  const disabled = parseBoolean(Input.DisableRetry, read(Input.DisableRetry), false);
  const max = parseInteger(Input.RetryMaxAttempts, read(Input.RetryMaxAttempts) || '12', {
    min: 1,
    max: 100,
    unit: 'attempts',
  });
  return { maxAttempts: disabled ? 1 : max };
}

/**
 * Whether AssumeRole will be signed with the session in the environment: role-chaining, with no keys
 * given (they would sign instead), for AssumeRole (not web identity or the token operations).
 */
export function chainsRoles(read: InputReader, operation: StsOperation): boolean {
  if (!parseBoolean(Input.RoleChaining, read(Input.RoleChaining), false)) return false;
  if (read(Input.AwsAccessKeyId) !== '') return false;
  return operation === StsOperation.Auto || operation === StsOperation.AssumeRole;
}

/** role-duration-seconds, within the operation's range; at most an hour when a role is chained. */
export function readDuration(
  read: InputReader,
  { range, chained }: { range: { min: number; max: number }; chained: boolean },
): number {
  const raw = read(Input.RoleDurationSeconds) || String(DEFAULT_SESSION_SECONDS);
  const seconds = parseInteger(Input.RoleDurationSeconds, raw, range);
  if (seconds > CHAINED_MAX && chained) {
    // A role assumed with another role's session gets an hour at most, whatever its MaxSessionDuration.
    throw InputError.invalid(
      Input.RoleDurationSeconds,
      raw,
      `at most ${CHAINED_MAX} seconds with role-chaining (AWS limits a session assumed by role chaining to one hour)`,
    );
  }
  return seconds;
}

/** Session tags for AssumeRole: the GitHub defaults and custom-tags, unless role-skip-session-tagging. */
export function readTagging(read: InputReader, env: Env): SessionTagging | undefined {
  const skip = parseBoolean(Input.RoleSkipSessionTagging, read(Input.RoleSkipSessionTagging), false);
  const custom = parseCustomTags(read(Input.CustomTags));
  const transitive = parseTransitiveTagKeys(read(Input.TransitiveTagKeys));
  if (skip) return undefined;
  return sessionTags(defaultSessionTags(env), custom, transitive);
}

export function isTokenOperation(operation: StsOperation): boolean {
  return operation === StsOperation.GetSessionToken || operation === StsOperation.GetFederationToken;
}

export function urlOrUndefined(raw: string | undefined): string | undefined {
  return raw !== undefined && URL.canParse(raw) ? raw : undefined;
}

export function optional<T>(raw: string, parse: (raw: string) => T): T | undefined {
  return raw === '' ? undefined : parse(raw);
}

export function parsePolicyArns(raw: string): string[] {
  const arns = parseArnList(raw);
  if (arns.length > 10)
    throw InputError.invalid(Input.ManagedSessionPolicies, `${arns.length} ARNs`, POLICY_ARN.form);
  for (const arn of arns) parsePattern(Input.ManagedSessionPolicies, arn, POLICY_ARN);
  return arns;
}

/** Reads the key inputs: all or none of id and secret; a session token only with them. */
export function readKeys(read: InputReader): Credentials | undefined {
  const accessKeyId = read(Input.AwsAccessKeyId);
  const secretAccessKey = read(Input.AwsSecretAccessKey);
  const sessionToken = read(Input.AwsSessionToken);
  if (accessKeyId === '' && secretAccessKey === '') {
    if (sessionToken !== '') {
      throw InputError.missing(
        Input.AwsAccessKeyId,
        'aws-session-token was given without the keys it belongs to',
      );
    }
    return undefined;
  }
  if (accessKeyId === '') {
    throw InputError.missing(Input.AwsAccessKeyId, 'aws-secret-access-key was given without it');
  }
  if (secretAccessKey === '') {
    throw InputError.missing(Input.AwsSecretAccessKey, 'aws-access-key-id was given without it');
  }
  if (!ACCESS_KEY_ID.pattern.test(accessKeyId)) {
    throw InputError.invalid(Input.AwsAccessKeyId, undefined, ACCESS_KEY_ID.form);
  }
  return sessionToken === ''
    ? { accessKeyId, secretAccessKey }
    : { accessKeyId, secretAccessKey, sessionToken };
}

/**
 * output-env-credentials: with a profile, credentials go to the files and the env gets them only when asked
 * for. Never with refresh-credentials: every SDK prefers the variables to AWS_PROFILE, and they never renew.
 */
export function readOutputEnv(read: InputReader, profile: { profiled: boolean; refresh: boolean }): boolean {
  const value = parseBoolean(Input.OutputEnvCredentials, read(Input.OutputEnvCredentials), !profile.profiled);
  if (value && profile.refresh) {
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' exports AWS_PROFILE, and ${Input.OutputEnvCredentials}: true would export ` +
        'AWS_ACCESS_KEY_ID and the rest as well: every SDK prefers those to the profile, and they never renew. ' +
        `Remove ${Input.OutputEnvCredentials}.`,
    );
  }
  return value;
}

/** allowed-account-ids: credentials of another account are refused (and nothing is exported). */
export function checkAccount(
  { allowed, masked }: { allowed: string[]; masked: boolean },
  account: string,
): void {
  if (allowed.length === 0 || allowed.includes(account)) return;
  const which = masked ? 'an account' : `account ${account}`;
  throw new Error(
    `The credentials are for ${which}, which is not in allowed-account-ids; nothing was exported.`,
  );
}
