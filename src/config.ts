/**
 * Every input, read and checked in one place. Nothing else reads inputs.
 * `getConfig` is pure: it takes a reader and the environment, so it is table-tested without a runner.
 */
import * as path from 'node:path';
import type { Tag } from '@aws-sdk/client-sts';
import { ExportedEnv, Input, ReadEnv, StsOperation } from './constants';
import { InputError } from './errors';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_ID_FORM,
  ACCOUNT_ID,
  ACCOUNT_IDS_FORM,
  AUDIENCE,
  AUDIENCE_FORM,
  BUCKET_FORM,
  BUCKET_NAME,
  EXTERNAL_ID,
  EXTERNAL_ID_FORM,
  FEDERATED_USER_NAME,
  FEDERATED_USER_NAME_FORM,
  POLICY_ARN,
  POLICY_ARN_FORM,
  parseArnList,
  parseBoolean,
  parseChoice,
  parseEndpoint,
  parseInteger,
  parseList,
  parsePattern,
  parsePolicyJson,
  REGION,
  REGION_FORM,
  ROLE_ARN,
  ROLE_ARN_FORM,
  ROLE_NAME,
  SESSION_NAME,
  SESSION_NAME_FORM,
  splitUserinfo,
} from './parse';
import { parseProfileName } from './profile';
import type { RetryPolicy } from './retry';
import { defaultSessionTags, parseCustomTags, parseTransitiveTagKeys, sessionTags } from './tags';

/** Returns an input's value, trimmed; '' when it was not given. */
export type InputReader = (name: Input) => string;
export type Env = Readonly<Record<string, string | undefined>>;

/** Long-term or temporary keys given by the user. */
export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary keys. */
  sessionToken?: string;
}

export interface Config {
  /** Region of the STS call and of the exported AWS_REGION / AWS_DEFAULT_REGION. */
  region: string;
  /** Role to assume; absent when the user's own keys are exported as given. */
  roleArn?: string;
  /** Keys from the inputs, used to sign the STS call (or exported as given without a role). */
  keys?: Keys;
  /** RoleSessionName of AssumeRole*; default GitHubActions. */
  sessionName: string;
  /** Requested lifetime of the credentials in seconds; default 3600. */
  durationSeconds: number;
  /** Audience of the GitHub OIDC token; default sts.amazonaws.com. */
  audience: string;
  /** Absolute path of a web identity token file, if one was given. */
  webIdentityTokenFile?: string;
  /** STS endpoint URL from sts-endpoint, AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL; absent means AWS's. */
  stsEndpoint?: string;
  /** IAM endpoint URL from AWS_ENDPOINT_URL_IAM or AWS_ENDPOINT_URL (IAM is read only to explain failures). */
  iamEndpoint?: string;
  /** The STS operation asked for; `auto` is resolved by `choosePlan`. */
  operation: StsOperation;
  /** Set the credentials as step outputs too; default false. */
  outputCredentials: boolean;
  /** Name of the federated user, for get-federation-token. */
  federatedUserName?: string;
  /** Inline session policy, minified JSON; limits AssumeRole* sessions, or is the federation policy. */
  sessionPolicy?: string;
  /** Managed policy ARNs used the same way as sessionPolicy; empty when none. */
  managedPolicyArns: string[];
  /** A role given by name (role-to-assume without arn:), resolved against the caller's account. */
  roleName?: string;
  /** Write the credentials to this profile of the shared AWS files. */
  profile?: { name: string; overwrite: boolean };
  /** Export credentials and region to the env; default true, false with a profile. */
  outputEnvCredentials: boolean;
  /** Sign AssumeRole with the credentials already in the environment. */
  roleChaining: boolean;
  /** ExternalId for AssumeRole. */
  externalId?: string;
  /** Session tags for AssumeRole; absent with role-skip-session-tagging. */
  tagging?: SessionTagging;
  /** Clear AWS credentials in the environment before anything else. */
  unsetCurrentCredentials: boolean;
  /** When valid credentials are already in the environment, export nothing new. */
  useExistingCredentials: boolean;
  /** Fail unless the credentials' account is one of these; empty for any. */
  allowedAccountIds: string[];
  /** Ask again until the secret key has only letters and digits. */
  specialCharactersWorkaround: boolean;
  /** Never use GitHub OIDC, even when it is available. */
  forceSkipOidc: boolean;
  /** Attempts per AWS request. */
  retry: RetryPolicy;
  /** The whole step's time limit in ms (action-timeout-s); absent for none. */
  timeoutMs?: number;
  /**
   * Proxy for AWS calls: `url` when http-proxy is given; otherwise (no url) the proxy variables in the
   * environment, which proxy-from-env resolves per request. `noProxy` is the no-proxy input, if any.
   */
  proxy?: { url?: string; noProxy: string };
  /** The S3 access gate, when verify-bucket is set. */
  verify?: BucketCheck;
  /** S3 endpoint URL from s3-endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; absent means AWS's. */
  s3Endpoint?: string;
  /** Write a job summary; default true. */
  jobSummary: boolean;
  /** Mask the account id in logs and leave it out of the summary; default false. */
  maskAccountId: boolean;
}

/** What the S3 access gate lists, and whether a failure fails the step. */
export interface BucketCheck {
  bucket: string;
  /** Key prefix to list under; '' for the whole bucket. */
  prefix: string;
  /** Most keys to list, 1-1000; default 50. */
  maxKeys: number;
  /** When true (default) a failed check fails the step and nothing is exported. */
  required: boolean;
}

export interface SessionTagging {
  tags: Tag[];
  transitiveTagKeys: string[];
}

/** Lifetimes STS allows for a role session, in seconds. */
export const ROLE_DURATION = { min: 900, max: 43200 } as const;
/** The longest session AWS gives a role assumed by role chaining, in seconds. */
export const CHAINED_MAX = 3600;

/** Lifetimes STS allows for GetSessionToken and GetFederationToken, in seconds. */
export const TOKEN_DURATION = { min: 900, max: 129600 } as const;

/** The input names that carry secrets: masked before anything else happens, never echoed. */
export const SECRET_INPUTS = [Input.AwsAccessKeyId, Input.AwsSecretAccessKey, Input.AwsSessionToken] as const;

/**
 * Inputs never taken from a variable named after them: secrets, the profile (AWS_PROFILE means something
 * else), and the proxy pair, whose variables readProxy reads the way proxy-from-env does.
 */
const NO_ENV_FALLBACK: ReadonlySet<string> = new Set([
  ...SECRET_INPUTS,
  Input.AwsProfile,
  Input.HttpProxy,
  Input.NoProxy,
]);

/** Where an input's value came from when it was not given: input name -> environment variable. */
type Sources = Map<string, string>;

/**
 * Like configure-aws-credentials, an input not given may come from an environment variable named after it,
 * upper-cased with underscores (role-to-assume -> ROLE_TO_ASSUME); an explicit input wins.
 */
export function withEnvFallback(read: InputReader, env: Env, sources?: Sources): InputReader {
  return (name) => {
    const value = read(name);
    if (value !== '' || NO_ENV_FALLBACK.has(name)) return value;
    const variable = name.toUpperCase().replace(/-/g, '_');
    const fromEnv = (env[variable] ?? '').trim();
    if (fromEnv !== '') sources?.set(name, variable);
    return fromEnv;
  };
}

/** The input, else the first of `variables` set in the environment (noted in `sources`). */
function inputOrEnv(
  read: InputReader,
  env: Env,
  sources: Sources,
  input: Input,
  variables: string[],
): string {
  const given = read(input);
  if (given !== '') return given;
  for (const variable of variables) {
    const value = (env[variable] ?? '').trim();
    if (value === '') continue;
    sources.set(input, variable);
    return value;
  }
  return '';
}

/**
 * Every input, checked. An error about a value taken from an environment variable names the variable
 * as well as the input.
 */
export function getConfig(readInput: InputReader, env: Env): Config {
  const sources: Sources = new Map();
  try {
    return readConfig(withEnvFallback(readInput, env, sources), env, sources);
  } catch (error) {
    const variable = error instanceof InputError ? sources.get(error.input) : undefined;
    throw variable === undefined || !(error instanceof InputError) ? error : error.takenFrom(variable);
  }
}

function readConfig(read: InputReader, env: Env, sources: Sources): Config {
  const regionRaw = read(Input.AwsRegion);
  if (regionRaw === '')
    throw InputError.missing(Input.AwsRegion, 'set it to the region to use, e.g. eu-west-1');
  const region = parsePattern(Input.AwsRegion, regionRaw, REGION, REGION_FORM);

  const operation = parseChoice(Input.StsOperation, read(Input.StsOperation) || StsOperation.Auto, [
    StsOperation.Auto,
    StsOperation.AssumeRole,
    StsOperation.AssumeRoleWithWebIdentity,
    StsOperation.GetSessionToken,
    StsOperation.GetFederationToken,
  ]);
  const duration = isTokenOperation(operation) ? TOKEN_DURATION : ROLE_DURATION;

  const roleRaw = read(Input.RoleToAssume);
  const roleIsName = ROLE_NAME.test(roleRaw);
  const roleArn =
    roleRaw === '' || roleIsName
      ? undefined
      : parsePattern(Input.RoleToAssume, roleRaw, ROLE_ARN, `${ROLE_ARN_FORM}, or a role name`);
  const profileRaw = read(Input.AwsProfile);
  const profile = profileRaw === '' ? undefined : parseProfileName(profileRaw);

  const tokenFileRaw = read(Input.WebIdentityTokenFile);
  const endpointRaw = inputOrEnv(read, env, sources, Input.StsEndpoint, [
    ReadEnv.EndpointUrlSts,
    ReadEnv.EndpointUrl,
  ]);
  const s3EndpointRaw = inputOrEnv(read, env, sources, Input.S3Endpoint, [
    ReadEnv.EndpointUrlS3,
    ReadEnv.EndpointUrl,
  ]);

  return {
    region,
    roleArn,
    ...(roleIsName ? { roleName: roleRaw } : {}),
    keys: readKeys(read),
    sessionName: parsePattern(
      Input.RoleSessionName,
      read(Input.RoleSessionName) || 'GitHubActions',
      SESSION_NAME,
      SESSION_NAME_FORM,
    ),
    durationSeconds: readDuration(read, duration, chainsRoles(read, operation)),
    audience: read(Input.Audience),
    webIdentityTokenFile:
      tokenFileRaw === '' ? undefined : path.resolve(env[ReadEnv.Workspace] ?? process.cwd(), tokenFileRaw),
    stsEndpoint: endpointRaw === '' ? undefined : parseEndpoint(Input.StsEndpoint, endpointRaw),
    iamEndpoint: urlOrUndefined(env[ReadEnv.EndpointUrlIam] || env[ReadEnv.EndpointUrl]),
    operation,
    outputCredentials: parseBoolean(Input.OutputCredentials, read(Input.OutputCredentials), false),
    federatedUserName: optional(read(Input.FederatedUserName), (raw) =>
      parsePattern(Input.FederatedUserName, raw, FEDERATED_USER_NAME, FEDERATED_USER_NAME_FORM),
    ),
    sessionPolicy: optional(read(Input.InlineSessionPolicy), (raw) =>
      parsePolicyJson(Input.InlineSessionPolicy, raw),
    ),
    managedPolicyArns: parsePolicyArns(read(Input.ManagedSessionPolicies)),
    verify: readBucketCheck(read),
    s3Endpoint: optional(s3EndpointRaw, (raw) => parseEndpoint(Input.S3Endpoint, raw)),
    jobSummary: parseBoolean(Input.JobSummary, read(Input.JobSummary), true),
    maskAccountId: parseBoolean(Input.MaskAwsAccountId, read(Input.MaskAwsAccountId), false),
    profile:
      profile === undefined
        ? undefined
        : {
            name: profile,
            overwrite: parseBoolean(Input.OverwriteAwsProfile, read(Input.OverwriteAwsProfile), false),
          },
    // With a profile, credentials go to the files; the env gets them only when asked for.
    outputEnvCredentials: parseBoolean(
      Input.OutputEnvCredentials,
      read(Input.OutputEnvCredentials),
      profile === undefined,
    ),
    roleChaining: parseBoolean(Input.RoleChaining, read(Input.RoleChaining), false),
    externalId: optional(read(Input.RoleExternalId), (raw) =>
      parsePattern(Input.RoleExternalId, raw, EXTERNAL_ID, EXTERNAL_ID_FORM),
    ),
    tagging: readTagging(read, env),
    unsetCurrentCredentials: parseBoolean(
      Input.UnsetCurrentCredentials,
      read(Input.UnsetCurrentCredentials),
      false,
    ),
    useExistingCredentials: parseBoolean(
      Input.UseExistingCredentials,
      read(Input.UseExistingCredentials),
      false,
    ),
    allowedAccountIds: parseList(read(Input.AllowedAccountIds)).map((id) =>
      parsePattern(Input.AllowedAccountIds, id, ACCOUNT_ID, ACCOUNT_IDS_FORM),
    ),
    specialCharactersWorkaround: parseBoolean(
      Input.SpecialCharactersWorkaround,
      read(Input.SpecialCharactersWorkaround),
      false,
    ),
    forceSkipOidc: parseBoolean(Input.ForceSkipOidc, read(Input.ForceSkipOidc), false),
    retry: readRetry(read),
    timeoutMs: optional(
      read(Input.ActionTimeoutS),
      (raw) => parseInteger(Input.ActionTimeoutS, raw, 1, 21600) * 1000,
    ),
    proxy: readProxy(
      read,
      env,
      sources,
      [endpointRaw, s3EndpointRaw, env[ReadEnv.EndpointUrlIam] || env[ReadEnv.EndpointUrl] || ''].some(
        (url) => /^http:/i.test(url),
      ),
    ),
  };
}

/** Attempts per AWS request: retry-max-attempts (default 12), or 1 with disable-retry. */
function readRetry(read: InputReader): { maxAttempts: number } {
  const disabled = parseBoolean(Input.DisableRetry, read(Input.DisableRetry), false);
  const max = parseInteger(Input.RetryMaxAttempts, read(Input.RetryMaxAttempts) || '12', 1, 100, 'attempts');
  return { maxAttempts: disabled ? 1 : max };
}

/**
 * Whether AssumeRole will be signed with the session in the environment: role-chaining, with no keys
 * given (they would sign instead), for AssumeRole (not web identity or the token operations).
 */
function chainsRoles(read: InputReader, operation: StsOperation): boolean {
  if (!parseBoolean(Input.RoleChaining, read(Input.RoleChaining), false)) return false;
  if (read(Input.AwsAccessKeyId) !== '') return false;
  return operation === StsOperation.Auto || operation === StsOperation.AssumeRole;
}

/** role-duration-seconds, within the operation's range; at most an hour when a role is chained. */
function readDuration(read: InputReader, range: { min: number; max: number }, chained: boolean): number {
  const raw = read(Input.RoleDurationSeconds) || '3600';
  const seconds = parseInteger(Input.RoleDurationSeconds, raw, range.min, range.max);
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

/** The proxy variables proxy-from-env reads (lower case first), for AWS's https endpoints and others. */
export const PROXY_VARIABLES = [
  'https_proxy',
  'HTTPS_PROXY',
  'http_proxy',
  'HTTP_PROXY',
  'all_proxy',
  'ALL_PROXY',
];
const NO_PROXY_FORM =
  'host names, domains (.example.com), IP addresses or host:port, separated by commas or spaces, ' +
  'e.g. localhost,.internal';
const NO_PROXY_ENTRY = /^(?:\*|\*?\.?[\w.-]+|\[[\da-f:.]+\]|[\da-f:.]+)(?::\d{1,5})?$/i;

/**
 * http-proxy and no-proxy. Without http-proxy the proxy variables in the environment apply, as
 * proxy-from-env reads them (a value without a scheme gets the request's); each is checked here so a
 * bad one fails up front, named, with any password hidden.
 */
function readProxy(read: InputReader, env: Env, sources: Sources, plainHttp: boolean): Config['proxy'] {
  const noProxy = read(Input.NoProxy);
  for (const entry of noProxyEntries(noProxy)) {
    if (!NO_PROXY_ENTRY.test(entry)) throw InputError.invalid(Input.NoProxy, noProxy, NO_PROXY_FORM);
  }
  const explicit = read(Input.HttpProxy);
  if (explicit !== '') return { url: parseEndpoint(Input.HttpProxy, explicit), noProxy };
  // The variables that would be used: per scheme (http only when an endpoint is plain http), lower
  // case first, ALL_PROXY when that scheme has none; none when a no-proxy entry is '*'.
  const first = (...names: string[]) => names.find((name) => (env[name] ?? '').trim() !== '');
  const fallback = first('all_proxy', 'ALL_PROXY');
  const used = new Set(
    [
      first('https_proxy', 'HTTPS_PROXY') ?? fallback,
      plainHttp ? (first('http_proxy', 'HTTP_PROXY') ?? fallback) : undefined,
    ].filter((name): name is string => name !== undefined),
  );
  const bypass = noProxy || (env[first('no_proxy', 'NO_PROXY') ?? ''] ?? '');
  const bypassAll = noProxyEntries(bypass).includes('*');
  if (used.size === 0 || bypassAll) return undefined;
  for (const variable of used) {
    const value = (env[variable] ?? '').trim();
    sources.set(Input.HttpProxy, variable);
    parseEndpoint(Input.HttpProxy, withProxyScheme(value));
  }
  sources.delete(Input.HttpProxy);
  return { noProxy };
}

/** The entries of a no-proxy list, separated by commas or spaces (as proxy-from-env reads NO_PROXY). */
export function noProxyEntries(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((entry) => entry !== '');
}

/** A proxy given as host:port means http://host:port, as curl and @actions/http-client read it. */
export function withProxyScheme(value: string): string {
  return value.includes('://') ? value : `http://${value}`;
}

/**
 * Passwords in the proxy URLs this step may use (http-proxy as given, the proxy variables), to mask
 * before anything is printed. Never throws: a value that is no URL holds no password to find.
 */
/**
 * The password in a proxy URL, read two ways, since a password holding '/', '?' or '#' unencoded is
 * misread by the URL parser: as the parser reads it, and as all after the first ':' of what comes
 * before the last '@'.
 */
function proxyPasswords(raw: string): string[] {
  const candidate = withProxyScheme(raw);
  const parsed = URL.canParse(candidate) ? new URL(candidate).password : '';
  const userinfo = splitUserinfo(raw)?.userinfo ?? '';
  const colon = userinfo.indexOf(':');
  const literal = colon < 0 ? '' : userinfo.slice(colon + 1);
  return [...new Set([parsed, literal])].filter((password) => password !== '');
}

export function proxySecrets(readInput: InputReader, env: Env): string[] {
  const secrets: string[] = [];
  for (const raw of [readInput(Input.HttpProxy), ...PROXY_VARIABLES.map((v) => (env[v] ?? '').trim())]) {
    for (const password of proxyPasswords(raw)) {
      secrets.push(password);
      try {
        secrets.push(decodeURIComponent(password));
      } catch {
        // not percent-encoded text: the raw form is masked already
      }
    }
  }
  return secrets;
}

/** Session tags for AssumeRole: the GitHub defaults and custom-tags, unless role-skip-session-tagging. */
function readTagging(read: InputReader, env: Env): SessionTagging | undefined {
  const skip = parseBoolean(Input.RoleSkipSessionTagging, read(Input.RoleSkipSessionTagging), false);
  const custom = parseCustomTags(read(Input.CustomTags));
  const transitive = parseTransitiveTagKeys(read(Input.TransitiveTagKeys));
  if (skip) return undefined;
  return sessionTags(defaultSessionTags(env), custom, transitive);
}

/** verify-bucket as a name or s3://bucket/prefix, with verify-prefix, verify-max-keys and verify-required. */
function readBucketCheck(read: InputReader): BucketCheck | undefined {
  const raw = read(Input.VerifyBucket);
  const prefixInput = read(Input.VerifyPrefix);
  const maxKeys = parseInteger(Input.VerifyMaxKeys, read(Input.VerifyMaxKeys) || '50', 1, 1000, 'keys');
  const required = parseBoolean(Input.VerifyRequired, read(Input.VerifyRequired), true);
  if (raw === '') return undefined;
  let bucket = raw;
  let prefix = prefixInput;
  const url = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(raw);
  if (url) {
    bucket = url[1] ?? '';
    const urlPrefix = url[2] ?? '';
    if (urlPrefix !== '' && prefixInput !== '') {
      throw new InputError(
        Input.VerifyPrefix,
        `Input 'verify-prefix' ("${prefixInput}") conflicts with the prefix in verify-bucket ("${raw}"): give the prefix in one place.`,
      );
    }
    prefix = urlPrefix || prefixInput;
  }
  parsePattern(Input.VerifyBucket, bucket, BUCKET_NAME, BUCKET_FORM);
  if (prefix.length > 1024)
    throw InputError.invalid(
      Input.VerifyPrefix,
      `${prefix.slice(0, 40)}…`,
      'a key prefix of at most 1024 characters',
    );
  return { bucket, prefix, maxKeys, required };
}

function isTokenOperation(operation: StsOperation): boolean {
  return operation === StsOperation.GetSessionToken || operation === StsOperation.GetFederationToken;
}

function urlOrUndefined(raw: string | undefined): string | undefined {
  return raw !== undefined && URL.canParse(raw) ? raw : undefined;
}

function optional<T>(raw: string, parse: (raw: string) => T): T | undefined {
  return raw === '' ? undefined : parse(raw);
}

function parsePolicyArns(raw: string): string[] {
  const arns = parseArnList(raw);
  if (arns.length > 10)
    throw InputError.invalid(Input.ManagedSessionPolicies, `${arns.length} ARNs`, POLICY_ARN_FORM);
  for (const arn of arns) parsePattern(Input.ManagedSessionPolicies, arn, POLICY_ARN, POLICY_ARN_FORM);
  return arns;
}

/** Reads the key inputs: all or none of id and secret; a session token only with them. */
function readKeys(read: InputReader): Keys | undefined {
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
  if (!ACCESS_KEY_ID.test(accessKeyId)) {
    throw InputError.invalid(Input.AwsAccessKeyId, undefined, ACCESS_KEY_ID_FORM);
  }
  return sessionToken === ''
    ? { accessKeyId, secretAccessKey }
    : { accessKeyId, secretAccessKey, sessionToken };
}

/** Credentials an earlier step (or the job) left in the environment; undefined unless id and secret are set. */
export function keysFromEnv(env: Env): Keys | undefined {
  const accessKeyId = env[ExportedEnv.AccessKeyId];
  const secretAccessKey = env[ExportedEnv.SecretAccessKey];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env[ExportedEnv.SessionToken];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** Checks the audience only where it is used: a GitHub OIDC token is requested with it. */
export function checkAudience(audience: string): string {
  return parsePattern(Input.Audience, audience, AUDIENCE, AUDIENCE_FORM);
}
