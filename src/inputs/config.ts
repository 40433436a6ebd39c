/**
 * Every input, read and checked in one place, into one Config. Nothing else reads inputs.
 * `getConfig` is pure: it takes a reader and the environment, so it is table-tested without a runner.
 * The one check left for later is of combinations that depend on the runner (see plan.ts).
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { type Credentials, DEFAULT_REFRESH_PROFILE, type Env, Input, ReadEnv, StsOperation } from '../names';
import { type BucketTarget, type GateSettings, readGateSettings } from './buckets';
import { type InputReader, inputOrEnv, type Reading, type Sources, withEnvFallback } from './env';
import {
  chainsRoles,
  isTokenOperation,
  optional,
  parsePolicyArns,
  type RetryPolicy,
  ROLE_DURATION,
  readDuration,
  readKeys,
  readOutputEnv,
  readRetry,
  readTagging,
  type SessionTagging,
  TOKEN_DURATION,
  urlOrUndefined,
} from './fields';
import {
  ACCOUNT_ID,
  EXTERNAL_ID,
  FEDERATED_USER_NAME,
  parseBoolean,
  parseChoice,
  parseEndpoint,
  parseInteger,
  parseList,
  parsePattern,
  parsePolicyJson,
  parseProfileName,
  parseSourceIdentity,
  REGION,
  ROLE_ARN,
  ROLE_NAME,
  SESSION_NAME,
} from './parse';
import { checkCompanions, type ProfileEntry, parseProfiles } from './profiles';
import { type ProxySettings, readProxy } from './proxy';

/** role-session-name unless given. */
export const DEFAULT_SESSION_NAME = 'GitHubActions';

export type { BucketTarget, GateSettings, InputReader, RetryPolicy, SessionTagging };

export interface Config {
  /** Region of the STS call and of the exported AWS_REGION / AWS_DEFAULT_REGION. */
  region: string;
  /** Role to assume; absent when the user's own keys are exported as given. */
  roleArn?: string;
  /** Keys from the inputs, used to sign the STS call (or exported as given without a role). */
  keys?: Credentials;
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
  /** The STS operation asked for; `auto` is resolved by `choosePlan` (choose.ts). */
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
  /** More roles, each written as a named profile (see profiles.ts). */
  profiles?: ProfileEntry[];
  /** overwrite-aws-profile, as it applies to each of profiles: replace one that exists. */
  overwriteProfiles: boolean;
  /** Export credentials and region to the env; default true, false with a profile or with profiles alone. */
  outputEnvCredentials: boolean;
  /**
   * refresh-credentials: the profile (`profile`, always set then) renews itself through credential_process;
   * only AWS_PROFILE and the region are exported.
   */
  refresh: boolean;
  /** Sign AssumeRole with the credentials already in the environment. */
  roleChaining: boolean;
  /** ExternalId for AssumeRole. */
  externalId?: string;
  /** SourceIdentity for AssumeRole (CloudTrail names it on every call the session makes); absent for none. */
  sourceIdentity?: string;
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
  /** Proxy for AWS calls, when one applies (see proxy.ts). */
  proxy?: ProxySettings;
  /** The S3 access gate, when verify-bucket is set. */
  verify?: GateSettings;
  /** S3 endpoint URL from s3-endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; absent means AWS's. */
  s3Endpoint?: string;
  /** Write a job summary; default true. */
  jobSummary: boolean;
  /** Mask the account id in logs and leave it out of the summary; default false. */
  maskAccountId: boolean;
}

/**
 * Every input, checked. An error about a value taken from an environment variable names the variable
 * as well as the input.
 */
export function getConfig(readInput: InputReader, env: Env): Config {
  const sources: Sources = new Map();
  try {
    const config = readConfig({ read: withEnvFallback(readInput, env, sources), env, sources });
    checkCompanions(config);
    return config;
  } catch (error) {
    const variable = error instanceof InputError ? sources.get(error.input) : undefined;
    throw variable === undefined || !(error instanceof InputError) ? error : error.takenFrom(variable);
  }
}

function readConfig(reading: Reading): Config {
  const { read, env } = reading;
  const regionRaw = read(Input.AwsRegion);
  if (regionRaw === '')
    throw InputError.missing(Input.AwsRegion, 'set it to the region to use, e.g. eu-west-1');
  const region = parsePattern(Input.AwsRegion, regionRaw, REGION);

  const operation = parseChoice(Input.StsOperation, read(Input.StsOperation) || StsOperation.Auto, [
    StsOperation.Auto,
    StsOperation.AssumeRole,
    StsOperation.AssumeRoleWithWebIdentity,
    StsOperation.GetSessionToken,
    StsOperation.GetFederationToken,
  ]);
  const duration = isTokenOperation(operation) ? TOKEN_DURATION : ROLE_DURATION;

  const roleRaw = read(Input.RoleToAssume);
  const roleIsName = ROLE_NAME.pattern.test(roleRaw);
  const roleArn =
    roleRaw === '' || roleIsName
      ? undefined
      : parsePattern(Input.RoleToAssume, roleRaw, { ...ROLE_ARN, form: `${ROLE_ARN.form}, or a role name` });
  const refresh = parseBoolean(Input.RefreshCredentials, read(Input.RefreshCredentials), false);
  const profiles = optional(read(Input.Profiles), parseProfiles);
  const profilesAlone = profiles !== undefined && roleRaw === '';
  // refresh-credentials writes role-to-assume's credentials as a profile; with profiles alone there are none.
  const profileRaw = read(Input.AwsProfile) || (refresh && !profilesAlone ? DEFAULT_REFRESH_PROFILE : '');
  const profile = profileRaw === '' ? undefined : parseProfileName(profileRaw);
  const overwrite = parseBoolean(Input.OverwriteAwsProfile, read(Input.OverwriteAwsProfile), false);

  const tokenFileRaw = read(Input.WebIdentityTokenFile);
  const endpointRaw = inputOrEnv(reading, Input.StsEndpoint, [ReadEnv.EndpointUrlSts, ReadEnv.EndpointUrl]);
  const s3EndpointRaw = inputOrEnv(reading, Input.S3Endpoint, [ReadEnv.EndpointUrlS3, ReadEnv.EndpointUrl]);

  return {
    region,
    roleArn,
    roleName: roleIsName ? roleRaw : undefined,
    keys: readKeys(read),
    sessionName: parsePattern(
      Input.RoleSessionName,
      read(Input.RoleSessionName) || DEFAULT_SESSION_NAME,
      SESSION_NAME,
    ),
    durationSeconds: readDuration(read, { range: duration, chained: chainsRoles(read, operation) }),
    audience: read(Input.Audience),
    webIdentityTokenFile:
      tokenFileRaw === '' ? undefined : path.resolve(env[ReadEnv.Workspace] ?? process.cwd(), tokenFileRaw),
    stsEndpoint: endpointRaw === '' ? undefined : parseEndpoint(Input.StsEndpoint, endpointRaw),
    iamEndpoint: urlOrUndefined(env[ReadEnv.EndpointUrlIam] || env[ReadEnv.EndpointUrl]),
    operation,
    outputCredentials: parseBoolean(Input.OutputCredentials, read(Input.OutputCredentials), false),
    federatedUserName: optional(read(Input.FederatedUserName), (raw) =>
      parsePattern(Input.FederatedUserName, raw, FEDERATED_USER_NAME),
    ),
    sessionPolicy: optional(read(Input.InlineSessionPolicy), (raw) =>
      parsePolicyJson(Input.InlineSessionPolicy, raw),
    ),
    managedPolicyArns: parsePolicyArns(read(Input.ManagedSessionPolicies)),
    verify: readGateSettings(read),
    s3Endpoint: optional(s3EndpointRaw, (raw) => parseEndpoint(Input.S3Endpoint, raw)),
    jobSummary: parseBoolean(Input.JobSummary, read(Input.JobSummary), true),
    maskAccountId: parseBoolean(Input.MaskAwsAccountId, read(Input.MaskAwsAccountId), false),
    profile: profile === undefined ? undefined : { name: profile, overwrite },
    profiles,
    overwriteProfiles: overwrite,
    // With profiles alone there are no credentials for the env (nor for a profile of their own).
    outputEnvCredentials: readOutputEnv(read, { profiled: profile !== undefined || profilesAlone, refresh }),
    refresh,
    roleChaining: parseBoolean(Input.RoleChaining, read(Input.RoleChaining), false),
    externalId: optional(read(Input.RoleExternalId), (raw) =>
      parsePattern(Input.RoleExternalId, raw, EXTERNAL_ID),
    ),
    sourceIdentity: optional(read(Input.RoleSourceIdentity), parseSourceIdentity),
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
      parsePattern(Input.AllowedAccountIds, id, ACCOUNT_ID),
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
      (raw) => parseInteger(Input.ActionTimeoutS, raw, { min: 1, max: 21600 }) * 1000,
    ),
    proxy: readProxy(reading, {
      plainHttp: [
        endpointRaw,
        s3EndpointRaw,
        env[ReadEnv.EndpointUrlIam] || env[ReadEnv.EndpointUrl] || '',
      ].some((url) => /^http:/i.test(url)),
    }),
  };
}
