/**
 * Decides how credentials are obtained, from the config and what the runner offers, before any call.
 * Pure: every refusal here is an InputError and no network is touched.
 */
import { InputError } from '../errors';
import { type Credentials, type Env, Input, ReadEnv, StsOperation } from '../names';
import type { Config } from './config';
import { keysFromEnv } from './env';
import { AUDIENCE, parsePattern } from './parse';

/** Where a web identity token comes from. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'github-oidc'; audience: string };

/** A role by ARN, or by name in the account of the credentials that assume it. */
export type RoleRef = { arn: string } | { name: string };

/**
 * What signs a request: the keys given as inputs, the credentials an earlier step left in the
 * environment (role-chaining), or — absent — whatever the SDK's default chain finds.
 */
export type Signer =
  | { from: 'inputs' | 'environment'; keys: Credentials }
  /** role-chaining with AWS_PROFILE: that profile alone (never the rest of the default chain). */
  | { from: 'profile'; profile: string }
  | undefined;

export type Plan =
  /** AssumeRole, signed as `signer` says. */
  | { kind: StsOperation.AssumeRole; role: RoleRef; signer: Signer }
  /** AssumeRoleWithWebIdentity with a token from a file or GitHub's OIDC provider. */
  | { kind: StsOperation.AssumeRoleWithWebIdentity; roleArn: string; token: TokenSource }
  /** No STS exchange: the user's keys are exported as given (after checking them). */
  | { kind: 'static-keys'; keys: Credentials }
  /** GetSessionToken, signed with the given keys or, without them, the SDK's default credential chain. */
  | { kind: StsOperation.GetSessionToken; signer?: Credentials }
  /** GetFederationToken for a named federated user, signed like session-token. */
  | { kind: StsOperation.GetFederationToken; name: string; signer?: Credentials };

/** What to add when roles have nothing to sign with: the ways a role can be assumed. */
const SIGNERS =
  'Add `permissions: id-token: write` to the job so GitHub OIDC can be used, or pass aws-access-key-id and ' +
  "aws-secret-access-key, or web-identity-token-file, or have credentials where the AWS SDK's default chain " +
  'finds them (AWS_* variables, AWS_PROFILE, ~/.aws, SSO).';

/** Said when a role has nothing to sign with: not even the SDK's default chain found credentials. */
export function noSignerMessage(role: string): string {
  return `Input 'role-to-assume' (${role}) cannot be assumed: there is no way to sign the request. ${SIGNERS}`;
}

/** The same, for the roles of the profiles input. */
export function noSignerForProfiles(): string {
  return `Input 'profiles' names roles that cannot be assumed: there is no way to sign the requests. ${SIGNERS}`;
}

/** The plan the inputs ask for, refresh-credentials aside (see choose.ts). */
export function planFor(config: Config, env: Env): Plan {
  const { keys, operation } = config;
  const role = roleRef(config);

  switch (operation) {
    case StsOperation.AssumeRole:
      if (role === undefined) throw InputError.missing(Input.RoleToAssume, 'sts-operation is assume-role');
      return { kind: StsOperation.AssumeRole, role, signer: signerFor(config, env) };

    case StsOperation.GetSessionToken:
    case StsOperation.GetFederationToken: {
      if (role !== undefined) {
        throw new InputError(
          Input.RoleToAssume,
          `Input 'role-to-assume' is not used by sts-operation ${operation}: remove it, or use assume-role.`,
        );
      }
      if (config.sourceIdentity !== undefined) {
        throw new InputError(
          Input.RoleSourceIdentity,
          `Input 'role-source-identity' is not used by sts-operation ${operation}: it is sent with AssumeRole; remove it, or use assume-role.`,
        );
      }
      const signer = { signer: keys };
      if (operation === StsOperation.GetSessionToken)
        return { kind: StsOperation.GetSessionToken, ...signer };
      if (config.federatedUserName === undefined) {
        throw InputError.missing(Input.FederatedUserName, 'sts-operation is get-federation-token');
      }
      return { kind: StsOperation.GetFederationToken, name: config.federatedUserName, ...signer };
    }

    case StsOperation.AssumeRoleWithWebIdentity:
      if (role === undefined) {
        throw InputError.missing(Input.RoleToAssume, 'sts-operation is assume-role-with-web-identity');
      }
      return webIdentity(config, env, role);

    default: {
      if (role === undefined) {
        if (keys !== undefined && config.sourceIdentity !== undefined) {
          throw new InputError(
            Input.RoleSourceIdentity,
            "Input 'role-source-identity' needs role-to-assume: it is sent with AssumeRole, and without a role the keys are exported as given.",
          );
        }
        if (keys !== undefined) return { kind: 'static-keys', keys };
        throw InputError.missing(
          Input.RoleToAssume,
          'nothing to do: give role-to-assume, or aws-access-key-id and aws-secret-access-key to export as they are',
        );
      }
      if (roleOperation(config, env) === StsOperation.AssumeRoleWithWebIdentity)
        return webIdentity(config, env, role);
      return { kind: StsOperation.AssumeRole, role, signer: signerFor(config, env) };
    }
  }
}

/** Whether GitHub's OIDC token service is offered to this step, and may be used. */
function oidcOffered(config: Config, env: Env): boolean {
  return Boolean(env[ReadEnv.OidcRequestUrl]) && !config.forceSkipOidc;
}

/**
 * The operation that assumes a role, whichever role it is: the one sts-operation names, or (auto) AssumeRole
 * signed with the keys given or, with role-chaining, those of an earlier step; else a web identity from a
 * token file or GitHub OIDC; else AssumeRole signed by the SDK's default chain (self-hosted runners:
 * variables, AWS_PROFILE, container or instance credentials). For role operations only.
 */
export function roleOperation(config: Config, env: Env): RoleOperation {
  const { operation } = config;
  if (operation === StsOperation.AssumeRole || operation === StsOperation.AssumeRoleWithWebIdentity)
    return operation;
  if (config.keys !== undefined || config.roleChaining) return StsOperation.AssumeRole;
  if (config.webIdentityTokenFile !== undefined || oidcOffered(config, env))
    return StsOperation.AssumeRoleWithWebIdentity;
  return StsOperation.AssumeRole;
}

/** The operations that assume a role. */
export type RoleOperation = StsOperation.AssumeRole | StsOperation.AssumeRoleWithWebIdentity;

/** Where a web identity token comes from: the token file given, else GitHub OIDC when offered; else none. */
export function tokenSource(config: Config, env: Env): TokenSource | undefined {
  if (config.webIdentityTokenFile !== undefined) return { kind: 'file', path: config.webIdentityTokenFile };
  if (oidcOffered(config, env)) return { kind: 'github-oidc', audience: checkAudience(config.audience) };
  return undefined;
}

export function roleRef(config: Config): RoleRef | undefined {
  if (config.roleArn !== undefined) return { arn: config.roleArn };
  if (config.roleName !== undefined) return { name: config.roleName };
  return undefined;
}

/**
 * Credentials from the inputs; with role-chaining, the credentials an earlier step exported: as variables, or
 * as the profile AWS_PROFILE names (read alone: a profile that gives nothing is an error, not a fall back to
 * whatever else the SDK's default chain would find).
 */
export function signerFor(config: Config, env: Env): Signer {
  if (config.keys !== undefined) return { from: 'inputs', keys: config.keys };
  if (!config.roleChaining) return undefined;
  const keys = keysFromEnv(env);
  if (keys !== undefined) return { from: 'environment', keys };
  const profile = env.AWS_PROFILE;
  if (profile !== undefined && profile.trim() !== '') return { from: 'profile', profile };
  throw new InputError(
    Input.RoleChaining,
    "Input 'role-chaining' needs credentials from an earlier step, in the environment " +
      '(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) or as the profile AWS_PROFILE names, and there are none.',
  );
}

function webIdentity(config: Config, env: Env, role: RoleRef): Plan {
  if (!('arn' in role)) {
    throw new InputError(
      Input.RoleToAssume,
      `Input 'role-to-assume' ("${role.name}") must be a full role ARN for a web identity: ` +
        'there are no credentials to find its account from.',
    );
  }
  if (config.sourceIdentity !== undefined) throw sourceIdentityWithWebIdentity(role.arn);
  const token = tokenSource(config, env);
  if (token === undefined) throw new InputError(Input.RoleToAssume, noSignerMessage(role.arn));
  return { kind: StsOperation.AssumeRoleWithWebIdentity, roleArn: role.arn, token };
}

/**
 * AssumeRoleWithWebIdentity has no SourceIdentity parameter: STS takes a web identity session's source
 * identity only from the token's https://aws.amazon.com/source_identity claim, set by the identity provider.
 */
export function sourceIdentityWithWebIdentity(roleArn: string): InputError {
  return new InputError(
    Input.RoleSourceIdentity,
    `Input 'role-source-identity' cannot be sent to assume ${roleArn} with a web identity: AssumeRoleWithWebIdentity ` +
      'takes no SourceIdentity (only the token can carry one, and GitHub OIDC tokens do not). Remove it here, and set it ' +
      'in a second step that assumes the next role with role-chaining: true (AssumeRole, which takes it).',
  );
}

/** The audience is checked only where it is used: a GitHub OIDC token is requested with it. */
function checkAudience(audience: string): string {
  return parsePattern(Input.Audience, audience, AUDIENCE);
}
