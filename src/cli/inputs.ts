// Generated from action.yml by scripts/cli-inputs.js (run by `npm run build`): do not edit.
import type { Input } from '../names';

/** An input of the action, as the command line offers it: a flag `--name`. */
export interface InputSpec {
  name: `${Input}`;
  description: string;
  /** The default action.yml declares (the runner's); absent when the action applies its own. */
  default?: string;
}

/** action.yml's inputs, in its order. */
export const INPUTS: readonly InputSpec[] = [
  {
    name: 'aws-region',
    description:
      'AWS region for STS and for later steps (AWS_REGION / AWS_DEFAULT_REGION), e.g. eu-west-1. Required (or the AWS_REGION variable); no default.',
  },
  {
    name: 'role-to-assume',
    description:
      'The IAM role to assume, as an ARN (arn:<partition>:iam::<account>:role/<path/name>) or, when signing with keys or ambient credentials, a role name in their account. Default none (with keys only, the keys are exported as given).',
  },
  {
    name: 'aws-access-key-id',
    description:
      'Access key id that signs AssumeRole, or that is exported as is when no role is given. Default none.',
  },
  {
    name: 'aws-secret-access-key',
    description: 'Secret access key that goes with aws-access-key-id. Default none.',
  },
  {
    name: 'aws-session-token',
    description: 'Session token that goes with temporary access keys. Default none.',
  },
  {
    name: 'role-session-name',
    description:
      'Session name of the assumed role, 2-64 characters of letters, digits and +=,.@_-. Default GitHubActions.',
  },
  {
    name: 'role-duration-seconds',
    description:
      'Lifetime of the credentials in seconds, 900-43200 for a role, 900-129600 for get-session-token and get-federation-token. Default 3600.',
  },
  {
    name: 'audience',
    description:
      'Audience of the GitHub OIDC token requested for AssumeRoleWithWebIdentity. Default sts.amazonaws.com.',
    default: 'sts.amazonaws.com',
  },
  {
    name: 'web-identity-token-file',
    description:
      'Path of a file holding a web identity token for AssumeRoleWithWebIdentity; a relative path is taken from GITHUB_WORKSPACE. Default none.',
  },
  {
    name: 'sts-endpoint',
    description:
      "URL of the STS endpoint to call instead of AWS's (AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL are honoured too). Default none (the regional AWS endpoint).",
  },
  {
    name: 'sts-operation',
    description:
      'How to get credentials: auto, assume-role, assume-role-with-web-identity, get-session-token or get-federation-token. auto picks AssumeRole with keys, else AssumeRoleWithWebIdentity with a token file or GitHub OIDC. get-session-token and get-federation-token sign with the given keys, or with the credentials already in the environment. Default auto.',
  },
  {
    name: 'output-credentials',
    description: 'Also set the credentials as step outputs (masked). Default false.',
  },
  {
    name: 'federated-user-name',
    description:
      'Name of the federated user for get-federation-token, 2-32 characters of letters, digits and +=,.@_-. Default none (required with get-federation-token).',
  },
  {
    name: 'inline-session-policy',
    description:
      "IAM policy document (JSON) that limits the session; with get-federation-token it is the federated user's policy. Default none.",
  },
  {
    name: 'managed-session-policies',
    description:
      'ARNs of managed policies that limit the session (with get-federation-token, grant it), one a line or comma-separated, at most 10. Default none.',
  },
  {
    name: 'verify-bucket',
    description:
      'Buckets to check with the new credentials before they are exported, one a line (at most 10), each a name or s3://bucket/prefix; every bucket gets every check of verify-access. Default none (no check).',
  },
  {
    name: 'verify-prefix',
    description:
      'Key prefix the checks stay under, for a single verify-bucket given by name (with several buckets, give each its prefix as s3://bucket/prefix). Default none (the whole bucket).',
  },
  {
    name: 'verify-access',
    description:
      'What to prove, a comma-separated set of list (ListObjectsV2), read (a one-byte GetObject of the first key listed; needs list) and write (a multipart upload of a probe key, started and aborted at once, so no object is created). Default list.',
  },
  {
    name: 'verify-max-keys',
    description: 'Most keys to list, 1-1000. Default 50.',
  },
  {
    name: 'verify-required',
    description:
      'When true a failed bucket check fails the step and no credentials are exported; when false it warns, sets bucket-accessible to false and exports them. A check that could not be proved only warns, either way. Default true.',
  },
  {
    name: 's3-endpoint',
    description:
      "URL of the S3 endpoint for verify-bucket (MinIO, Ceph, moto), addressed path-style; AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL are honoured too. Default none (AWS's).",
  },
  {
    name: 'job-summary',
    description:
      'Write a job summary of the credentials and the bucket check (never a secret). Default true.',
  },
  {
    name: 'mask-aws-account-id',
    description: 'Mask the account id in logs and leave it out of the job summary. Default false.',
  },
  {
    name: 'aws-profile',
    description:
      'Also write the credentials and region as this profile of the shared AWS files (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config) and export AWS_PROFILE. Default none.',
  },
  {
    name: 'overwrite-aws-profile',
    description:
      'Replace aws-profile, or a profile of profiles, if it already exists in those files. Default false (an existing profile is refused).',
  },
  {
    name: 'profiles',
    description:
      'Several roles in one step, each written as a named profile of the shared AWS files: one NAME = ROLE a line (the role as an ARN, or a name where keys sign), blank lines and # comments allowed, at most 10. Every role is obtained with the same signer and settings, at once (with GitHub OIDC one token serves them all); if any is refused, none is written. Without role-to-assume nothing is exported to AWS_* variables and AWS_PROFILE is not set. Default none.',
  },
  {
    name: 'refresh-credentials',
    description:
      'Write a profile (aws-profile, else aws-credentials-gate) whose credential_process runs this action again to renew the credentials as they near expiry, so that tools in later steps keep working past role-duration-seconds; AWS_PROFILE is exported and the AWS_ACCESS_KEY_ID family is not. For GitHub OIDC, web-identity-token-file, and keys with role-to-assume. Default false.',
  },
  {
    name: 'output-env-credentials',
    description:
      'Export the credentials and region as AWS_* environment variables. Default true, or false when aws-profile is set or profiles is given without role-to-assume.',
  },
  {
    name: 'role-chaining',
    description:
      'Sign AssumeRole with the credentials already in the environment, e.g. from an earlier use of this action. AWS limits a chained session to 3600 seconds, so role-duration-seconds may be at most 3600 with it. Default false.',
  },
  {
    name: 'role-external-id',
    description: 'ExternalId for AssumeRole, 2-1224 characters. Default none.',
  },
  {
    name: 'role-source-identity',
    description:
      "SourceIdentity for AssumeRole, 2-64 characters of letters, digits and +=,.@_- (so not a bot's login such as dependabot[bot]), e.g. the github.actor context; CloudTrail records it on every call the session makes. The role's trust policy must allow sts:SetSourceIdentity. Refused without role-to-assume, with AssumeRoleWithWebIdentity (GitHub OIDC or web-identity-token-file, as it takes no SourceIdentity), get-session-token and get-federation-token. Default none.",
  },
  {
    name: 'role-skip-session-tagging',
    description:
      'Send no session tags with AssumeRole. Default false (GitHub=Actions, Repository, Workflow, Action, Actor, Commit and Branch are sent).',
  },
  {
    name: 'transitive-tag-keys',
    description: 'Session tag keys to make transitive, one a line or comma-separated. Default none.',
  },
  {
    name: 'custom-tags',
    description: 'More session tags for AssumeRole, as a JSON object of key to value. Default none.',
  },
  {
    name: 'unset-current-credentials',
    description: 'Clear AWS credentials already in the environment before anything else. Default false.',
  },
  {
    name: 'use-existing-credentials',
    description:
      'When valid credentials are already in the environment, export nothing new; they still meet allowed-account-ids, mask-aws-account-id and verify-bucket, and set the aws-account-id and authenticated-arn outputs. Default false.',
  },
  {
    name: 'allowed-account-ids',
    description:
      'Comma-separated 12-digit account ids; fail unless the credentials belong to one. Default none (any account).',
  },
  {
    name: 'special-characters-workaround',
    description: 'Ask STS again until the secret key has only letters and digits. Default false.',
  },
  {
    name: 'force-skip-oidc',
    description: 'Never use GitHub OIDC, even when the job may. Default false.',
  },
  {
    name: 'disable-retry',
    description: 'Make one attempt per AWS request. Default false.',
  },
  {
    name: 'retry-max-attempts',
    description:
      'Attempts per AWS request for throttling, 5xx, timeouts and resets, 1-100 (refusals are never retried). Default 12.',
  },
  {
    name: 'action-timeout-s',
    description:
      "Fail the step if it has not finished within this many seconds, 1-21600; nothing is exported then. A write probe's upload under way is still aborted first, waiting up to 10 s more. Default none.",
  },
  {
    name: 'http-proxy',
    description:
      "Proxy URL (http:// or https://) for all AWS requests. Default none; then https_proxy / HTTPS_PROXY (for AWS's https endpoints), http_proxy / HTTP_PROXY and all_proxy / ALL_PROXY apply, lower case first, a host:port value meaning http://host:port. A password in any of them is masked.",
  },
  {
    name: 'no-proxy',
    description:
      'Hosts, domains (.example.com) or IPs that bypass the proxy, separated by commas or spaces. Default none; then no_proxy / NO_PROXY applies.',
  },
];
