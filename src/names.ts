/**
 * Every name the action shares with the outside world, defined once, and the few shapes every room
 * speaks of (the environment, credentials). Values are exactly the names in action.yml; a test keeps the
 * two in step.
 */

/** The process environment, or a stand-in for it in tests. */
export type Env = Record<string, string | undefined>;

/** AWS credentials: keys given by the user, found in the environment, or issued by STS. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials. */
  sessionToken?: string;
  /** When temporary credentials expire; absent for long-term keys (or when unknown). */
  expiration?: Date;
}

/** Who a set of credentials is, as GetCallerIdentity (or the issuing call) says. */
export interface Identity {
  /** ARN of the principal, e.g. arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions. */
  arn: string;
  accountId: string;
}

/** Credentials and whose they are. */
export interface Issued {
  credentials: Credentials;
  identity: Identity;
}

/**
 * Work let finish even when the step runs out of time (action-timeout-s), since stopping it half way would
 * leave something behind: the write probe's upload, until it is aborted. `work` resolves to a warning, if
 * it has one; `what` says what is being waited for, and `unfinished` what may be left if it does not end.
 */
/**
 * How long past action-timeout-s a MustFinish is waited for, and its requests retried: the write probe's
 * abort, one S3 attempt (3 s to connect, 5 s to answer) and a little over.
 */
export const FINISH_GRACE_MS = 10_000;

export interface MustFinish {
  work: Promise<string | undefined>;
  what: string;
  unfinished: string;
}

/** Credentials issued for one profile of the `profiles` input, by the profile's name. */
export interface ProfileIssued {
  name: string;
  issued: Issued;
}

/** The session length STS gives unless asked otherwise, and a role's MaxSessionDuration unless raised. */
export const DEFAULT_SESSION_SECONDS = 3600;

/** The profile refresh-credentials writes when aws-profile is not given. */
export const DEFAULT_REFRESH_PROFILE = 'aws-credentials-gate';

export enum Input {
  AwsRegion = 'aws-region',
  RoleToAssume = 'role-to-assume',
  AwsAccessKeyId = 'aws-access-key-id',
  AwsSecretAccessKey = 'aws-secret-access-key',
  AwsSessionToken = 'aws-session-token',
  RoleSessionName = 'role-session-name',
  RoleDurationSeconds = 'role-duration-seconds',
  Audience = 'audience',
  WebIdentityTokenFile = 'web-identity-token-file',
  StsEndpoint = 'sts-endpoint',
  StsOperation = 'sts-operation',
  OutputCredentials = 'output-credentials',
  FederatedUserName = 'federated-user-name',
  InlineSessionPolicy = 'inline-session-policy',
  ManagedSessionPolicies = 'managed-session-policies',
  VerifyBucket = 'verify-bucket',
  VerifyPrefix = 'verify-prefix',
  VerifyAccess = 'verify-access',
  VerifyMaxKeys = 'verify-max-keys',
  VerifyRequired = 'verify-required',
  S3Endpoint = 's3-endpoint',
  JobSummary = 'job-summary',
  MaskAwsAccountId = 'mask-aws-account-id',
  AwsProfile = 'aws-profile',
  OverwriteAwsProfile = 'overwrite-aws-profile',
  RefreshCredentials = 'refresh-credentials',
  Profiles = 'profiles',
  RoleChaining = 'role-chaining',
  RoleExternalId = 'role-external-id',
  RoleSourceIdentity = 'role-source-identity',
  RoleSkipSessionTagging = 'role-skip-session-tagging',
  TransitiveTagKeys = 'transitive-tag-keys',
  CustomTags = 'custom-tags',
  OutputEnvCredentials = 'output-env-credentials',
  UnsetCurrentCredentials = 'unset-current-credentials',
  UseExistingCredentials = 'use-existing-credentials',
  AllowedAccountIds = 'allowed-account-ids',
  SpecialCharactersWorkaround = 'special-characters-workaround',
  ForceSkipOidc = 'force-skip-oidc',
  DisableRetry = 'disable-retry',
  RetryMaxAttempts = 'retry-max-attempts',
  ActionTimeoutS = 'action-timeout-s',
  HttpProxy = 'http-proxy',
  NoProxy = 'no-proxy',
}

export enum Output {
  AwsAccountId = 'aws-account-id',
  AuthenticatedArn = 'authenticated-arn',
  AwsExpiration = 'aws-expiration',
  AwsAccessKeyId = 'aws-access-key-id',
  AwsSecretAccessKey = 'aws-secret-access-key',
  AwsSessionToken = 'aws-session-token',
  BucketAccessible = 'bucket-accessible',
  BucketAccess = 'bucket-access',
  BucketObjectCount = 'bucket-object-count',
  Profiles = 'profiles',
}

/** Names under which the main step hands facts to the post step. */
export enum State {
  /** JSON of what the main step changed (see Restore in main.ts), so the post step can put it back. */
  Restore = 'restore',
}

/** Environment variables the action exports to later steps. */
export enum ExportedEnv {
  AccessKeyId = 'AWS_ACCESS_KEY_ID',
  SecretAccessKey = 'AWS_SECRET_ACCESS_KEY',
  SessionToken = 'AWS_SESSION_TOKEN',
  Region = 'AWS_REGION',
  DefaultRegion = 'AWS_DEFAULT_REGION',
  CredentialExpiration = 'AWS_CREDENTIAL_EXPIRATION',
  Profile = 'AWS_PROFILE',
}

/** The variables that hold credentials: secrets wherever they appear. */
export const CREDENTIAL_ENV: readonly string[] = [
  ExportedEnv.AccessKeyId,
  ExportedEnv.SecretAccessKey,
  ExportedEnv.SessionToken,
];

/** Environment variables the action reads. */
export enum ReadEnv {
  EndpointUrl = 'AWS_ENDPOINT_URL',
  EndpointUrlSts = 'AWS_ENDPOINT_URL_STS',
  EndpointUrlIam = 'AWS_ENDPOINT_URL_IAM',
  EndpointUrlS3 = 'AWS_ENDPOINT_URL_S3',
  OidcRequestUrl = 'ACTIONS_ID_TOKEN_REQUEST_URL',
  OidcRequestToken = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  Workspace = 'GITHUB_WORKSPACE',
  /** Where refresh-credentials keeps its cache (and, with keys, the key file): a directory of the job's own. */
  RunnerTemp = 'RUNNER_TEMP',
  SkipCleanup = 'AWS_SKIP_CLEANUP_STEP',
}

/** The values of sts-operation. */
export enum StsOperation {
  Auto = 'auto',
  AssumeRole = 'assume-role',
  AssumeRoleWithWebIdentity = 'assume-role-with-web-identity',
  GetSessionToken = 'get-session-token',
  GetFederationToken = 'get-federation-token',
}

/** An STS operation the action performs: sts-operation once `auto` is resolved. */
export type Operation = Exclude<StsOperation, StsOperation.Auto>;

/** Each operation's API name, as AWS, the logs and the summary spell it: the one table of display names. */
export const OPERATION_API: Readonly<Record<Operation, string>> = {
  [StsOperation.AssumeRole]: 'AssumeRole',
  [StsOperation.AssumeRoleWithWebIdentity]: 'AssumeRoleWithWebIdentity',
  [StsOperation.GetSessionToken]: 'GetSessionToken',
  [StsOperation.GetFederationToken]: 'GetFederationToken',
};

/** The values of verify-access: what the S3 gate proves the credentials may do in each bucket. */
export enum Access {
  List = 'list',
  Read = 'read',
  Write = 'write',
}

/**
 * The write probe's object name, put after the prefix: this, then PROBE_RANDOM_HEX random hex digits
 * (128 bits, new for every probe). No object of that name is ever created (see aws/gate.ts).
 */
export const PROBE_NAME = '.aws-credentials-gate-probe-';
export const PROBE_RANDOM_HEX = 32;

/** What a check proved: true, false (refused, or it failed), null (could not be proved either way). */
export type Proof = boolean | null;

/** One check on one bucket: its verdict in one line, for the log, the outputs and the summary. */
export interface CheckResult {
  access: Access;
  proved: Proof;
  /** What was proved, or why not. Text others chose in it (keys, what S3 said) is as they sent it. */
  said: string;
  /** Something the check could not clean up after itself: said loudly, whatever `proved` is. */
  leftover?: string | undefined;
}

/** Every check on one bucket, and what list listed (nothing unless it passed). */
export interface BucketResult {
  bucket: string;
  /** '' for the whole bucket. */
  prefix: string;
  checks: CheckResult[];
  objects: { key: string; size: number; etag: string }[];
  /** More keys exist beyond the ones listed. */
  truncated: boolean;
}

/** The S3 gate's verdict on every bucket asked for. */
export interface GateResult {
  buckets: BucketResult[];
  /** verify-max-keys. */
  maxKeys: number;
  /** verify-required: a failed check holds the credentials back. */
  required: boolean;
  /** Why each failed check failed (the `said` of every check that proved false), in order. */
  failures: string[];
  /** Every check on every bucket proved true. */
  accessible: boolean;
}
