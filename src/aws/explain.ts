/**
 * Turns a refusal into a sentence a person can act on. Pure: the facts (caller, role lookup, token
 * claims) are gathered elsewhere and passed in.
 */
import { accountRootOf, parseArn, principalOf } from './arn';

/** What IAM says of a role: its trust policy and session limit, that it does not exist, or why we can't tell. */
export type RoleLookup =
  | { found: true; maxSessionDuration: number; trustPolicy: unknown }
  | { found: false }
  | { unknown: string };

/** STS often names the refused caller: "User: arn:... is not authorized to perform ...". */
export function callerFromMessage(message: string): string | undefined {
  return /User: (arn:[^\s]+) is not authorized/.exec(message)?.[1];
}

/** The claims of a JWT, decoded without verification; undefined when it is not a JWT. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What to change when Node would not accept an endpoint's TLS certificate (kind 'tls'). */
export function untrustedTlsHint(service: string): string {
  return (
    `The TLS certificate presented for ${service} was not accepted: if a proxy that inspects TLS, or a ` +
    'private endpoint, signs with its own CA, give the job that CA as a PEM file in the ' +
    'NODE_EXTRA_CA_CERTS environment variable.'
  );
}

/** Claims that say which workflow asked and are safe to log. */
export const LOGGED_CLAIMS = ['sub', 'aud', 'repository', 'ref', 'environment', 'job_workflow_ref'] as const;

export function loggableClaims(claims: Record<string, unknown>): string[] {
  return LOGGED_CLAIMS.filter((name) => claims[name] !== undefined).map(
    (name) => `${name}: ${JSON.stringify(claims[name])}`,
  );
}

/**
 * Whether a trust policy allows `action` for `callerArn` by naming it, its account root, its account or
 * '*'. Conditions are not evaluated. undefined when the document is unreadable.
 */
export function trustAllows(policy: unknown, callerArn: string, action: string): boolean | undefined {
  if (typeof policy !== 'object' || policy === null) return undefined;
  const statements = asArray((policy as { Statement?: unknown }).Statement);
  const principal = principalOf(callerArn);
  const account = parseArn(callerArn)?.account ?? '';
  const accepted = new Set([principal, callerArn, accountRootOf(callerArn), account, '*']);
  return statements.some((raw) => {
    if (typeof raw !== 'object' || raw === null) return false;
    const statement = raw as { Effect?: unknown; Action?: unknown; Principal?: unknown };
    if (statement.Effect !== 'Allow') return false;
    const actions = asArray(statement.Action);
    if (!actions.some((a) => a === action || a === 'sts:*' || a === '*')) return false;
    if (statement.Principal === '*') return true;
    const named = asArray((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    return named.some((p) => typeof p === 'string' && accepted.has(p));
  });
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Why IAM cannot be asked about a role in another account than the caller's (see lookUpRole). */
export const OTHER_ACCOUNT =
  "the role is in another account than the caller's, and IAM answers only for its own";

/** Why IAM is not asked when STS is at a custom endpoint and IAM has none (see role.ts lookUpRole). */
export const NO_IAM_ENDPOINT =
  'this explanation is partial: IAM was not asked, since STS is reached at a custom endpoint and ' +
  'neither AWS_ENDPOINT_URL_IAM nor AWS_ENDPOINT_URL names one for IAM';

/** What is known of a refused AssumeRole. */
export interface AssumeRoleDenial {
  roleArn: string;
  /** The refused caller's ARN, from STS's message or GetCallerIdentity; undefined when unknown. */
  caller: string | undefined;
  /** What IAM says of the role; undefined when it was not asked. */
  role: RoleLookup | undefined;
  awsMessage: string;
  /** The SourceIdentity the request sent (role-source-identity), if it sent one. */
  sourceIdentity?: string | undefined;
}

export function explainAssumeRoleDenied(denial: AssumeRoleDenial): string {
  const { roleArn, caller, awsMessage } = denial;
  const who = caller ?? 'the signing credentials';
  const head = `AssumeRole refused: ${who} may not assume ${roleArn}.`;
  return `${head} ${withSourceIdentity(denial, whyDenied(denial))} AWS said: ${awsMessage}`;
}

function whyDenied({ caller, role }: AssumeRoleDenial): string {
  const who = caller ?? 'the signing credentials';
  if (role === undefined || 'unknown' in role) {
    const lookup = role === undefined ? '' : ` (${role.unknown}, so the role could not be inspected)`;
    return (
      `Either the role's trust policy does not allow ${who}, or ${who} lacks sts:AssumeRole on the role${lookup}. ` +
      `Add ${caller ? `"${caller}"` : 'the caller'} as a principal of the trust policy.`
    );
  }
  if (!role.found)
    return `The role does not exist in that account (iam:GetRole: NoSuchEntity). Check role-to-assume.`;
  const allows = caller === undefined ? undefined : trustAllows(role.trustPolicy, caller, 'sts:AssumeRole');
  return allows === false
    ? `The role exists, but its trust policy does not allow ${who}: add "${principalOf(who)}" as a principal.`
    : allows === true
      ? `The role exists and its trust policy names ${who}, so the refusal comes from elsewhere: ${who}'s own ` +
        'policies must allow sts:AssumeRole on the role (and no permissions boundary or SCP may deny it).'
      : `The role exists; its trust policy could not be checked against ${who}.`;
}

/** AWS's words when setting a source identity is what was refused. */
const SET_SOURCE_IDENTITY = /\bsts:SetSourceIdentity\b/i;

/**
 * A request that sets a source identity needs sts:SetSourceIdentity as well as sts:AssumeRole: in the
 * role's trust policy, and in the caller's own policies wherever they must allow sts:AssumeRole. Said as the
 * cause when AWS names it or the trust policy allows sts:AssumeRole alone, else added to the other reasons.
 * A request sets one when it sends role-source-identity, or when it is signed by a session that has one
 * (a source identity passes to every role assumed from the session).
 */
function withSourceIdentity(denial: AssumeRoleDenial, why: string): string {
  const { caller, role, awsMessage, sourceIdentity } = denial;
  const named = SET_SOURCE_IDENTITY.test(awsMessage);
  if (sourceIdentity === undefined && !named) return why;
  const who = caller ?? 'the signing credentials';
  const grant =
    `Add "sts:SetSourceIdentity" to the Action of the trust policy statement that allows ` +
    `${caller ? `"${principalOf(caller)}"` : 'the caller'} (and to ${who}'s own policy wherever it allows ` +
    'sts:AssumeRole on the role)';
  if (sourceIdentity === undefined) {
    return (
      'AWS refused sts:SetSourceIdentity: the signing credentials are a session that already has a source ' +
      `identity, and it passes to every role assumed from that session. ${grant}.`
    );
  }
  const sent = `role-source-identity sent SourceIdentity "${sourceIdentity}"`;
  const fix = `${grant}, or leave role-source-identity unset.`;
  if (named)
    return `AWS refused sts:SetSourceIdentity: ${sent}, which needs it as well as sts:AssumeRole. ${fix}`;
  const policy = role !== undefined && 'found' in role && role.found ? role.trustPolicy : undefined;
  if (
    caller !== undefined &&
    trustAllows(policy, caller, 'sts:AssumeRole') === true &&
    trustAllows(policy, caller, 'sts:SetSourceIdentity') === false
  ) {
    return `The role's trust policy allows ${who} sts:AssumeRole but not sts:SetSourceIdentity, which it needs as ${sent}. ${fix}`;
  }
  return `${why} As ${sent}, the trust policy must allow sts:SetSourceIdentity for ${who} as well.`;
}

export function explainDurationTooLong(roleArn: string, requested: number, max: number | undefined): string {
  const limit =
    max === undefined
      ? "the role's MaxSessionDuration (3600 seconds unless the role owner raised it)"
      : `${max} seconds, the role's MaxSessionDuration`;
  return (
    `Input 'role-duration-seconds' asks for ${requested} seconds, but ${roleArn} allows at most ${limit}. ` +
    `Lower role-duration-seconds${max === undefined ? '' : ` to ${max} or less`}, or raise the role's MaxSessionDuration.`
  );
}

/** AWS's refusal of a chained session longer than an hour. */
export function isChainedDurationRefusal(message: string): boolean {
  return /role chaining/i.test(message);
}

export function explainChainedDurationTooLong(roleArn: string, requested: number): string {
  return (
    `Input 'role-duration-seconds' asks for ${requested} seconds, but ${roleArn} is assumed with another ` +
    "role's temporary credentials (role chaining), and AWS limits such sessions to 3600 seconds whatever " +
    "the role's MaxSessionDuration. Lower role-duration-seconds to 3600 or less."
  );
}

/** The claim by which an identity provider sets a web identity session's source identity. */
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

export function explainWebIdentityDenied(
  roleArn: string,
  claims: Record<string, unknown> | undefined,
  awsMessage: string,
): string {
  const head = `AssumeRoleWithWebIdentity refused for ${roleArn}.`;
  if (claims === undefined)
    return `${head} The web identity token could not be decoded. AWS said: ${awsMessage}`;
  const sub = JSON.stringify(claims.sub ?? '');
  const aud = JSON.stringify(Array.isArray(claims.aud) ? claims.aud.join(',') : (claims.aud ?? ''));
  const iss = typeof claims.iss === 'string' ? ` from the identity provider ${claims.iss}` : '';
  const source = claims[SOURCE_IDENTITY_CLAIM];
  const setsSource =
    source === undefined
      ? ''
      : ` The token carries a source identity (${JSON.stringify(source)}, claim ${SOURCE_IDENTITY_CLAIM}), so the trust ` +
        'policy must allow sts:SetSourceIdentity as well.';
  return (
    `${head} The role's trust policy must allow sts:AssumeRoleWithWebIdentity${iss} for sub ${sub} and aud ${aud} ` +
    `(the claims of the token sent).${setsSource} AWS said: ${awsMessage}`
  );
}

/** STS's own words when DurationSeconds is over a role's limit. */
export function isDurationRefusal(message: string): boolean {
  return /MaxSessionDuration|DurationSeconds exceeds/i.test(message);
}
