/**
 * Decides how credentials are obtained, from the config and what the runner offers, before any call.
 * Pure: every refusal here is an InputError and no network is touched.
 */
import { type Config, checkAudience, type Env, type Keys } from './config';
import { Input, ReadEnv, StsOperation } from './constants';
import { InputError } from './errors';

/** Where a web identity token comes from. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'github-oidc'; audience: string };

export type Plan =
  /** AssumeRole, signed with the given keys. */
  | { kind: 'assume-role'; roleArn: string; signer: Keys }
  /** AssumeRoleWithWebIdentity with a token from a file or GitHub's OIDC provider. */
  | { kind: 'web-identity'; roleArn: string; token: TokenSource }
  /** No STS exchange: the user's keys are exported as given (after checking them). */
  | { kind: 'static-keys'; keys: Keys }
  /** GetSessionToken, signed with the given keys or, without them, the SDK's default credential chain. */
  | { kind: 'session-token'; signer?: Keys }
  /** GetFederationToken for a named federated user, signed like session-token. */
  | { kind: 'federation-token'; name: string; signer?: Keys };

const NO_SIGNER =
  'there is no way to sign the request: add `permissions: id-token: write` to the job so GitHub OIDC can be used, ' +
  'or pass aws-access-key-id and aws-secret-access-key, or web-identity-token-file';

export function choosePlan(config: Config, env: Env): Plan {
  const { roleArn, keys, operation } = config;
  const oidcAvailable = Boolean(env[ReadEnv.OidcRequestUrl]);

  switch (operation) {
    case StsOperation.AssumeRole:
      if (roleArn === undefined) throw InputError.missing(Input.RoleToAssume, 'sts-operation is assume-role');
      if (keys === undefined) {
        throw InputError.missing(
          Input.AwsAccessKeyId,
          'assume-role is signed with aws-access-key-id and aws-secret-access-key',
        );
      }
      return { kind: 'assume-role', roleArn, signer: keys };

    case StsOperation.GetSessionToken:
    case StsOperation.GetFederationToken: {
      if (roleArn !== undefined) {
        throw new InputError(
          Input.RoleToAssume,
          `Input 'role-to-assume' is not used by sts-operation ${operation}: remove it, or use assume-role.`,
        );
      }
      const signer = keys === undefined ? {} : { signer: keys };
      if (operation === StsOperation.GetSessionToken) return { kind: 'session-token', ...signer };
      if (config.federatedUserName === undefined) {
        throw InputError.missing(Input.FederatedUserName, 'sts-operation is get-federation-token');
      }
      return { kind: 'federation-token', name: config.federatedUserName, ...signer };
    }

    case StsOperation.AssumeRoleWithWebIdentity:
      if (roleArn === undefined) {
        throw InputError.missing(Input.RoleToAssume, 'sts-operation is assume-role-with-web-identity');
      }
      return { kind: 'web-identity', roleArn, token: tokenSource(config, oidcAvailable) };

    default: {
      if (roleArn === undefined) {
        if (keys !== undefined) return { kind: 'static-keys', keys };
        throw InputError.missing(
          Input.RoleToAssume,
          'nothing to do: give role-to-assume, or aws-access-key-id and aws-secret-access-key to export as they are',
        );
      }
      if (keys !== undefined) return { kind: 'assume-role', roleArn, signer: keys };
      return { kind: 'web-identity', roleArn, token: tokenSource(config, oidcAvailable) };
    }
  }
}

function tokenSource(config: Config, oidcAvailable: boolean): TokenSource {
  if (config.webIdentityTokenFile !== undefined) return { kind: 'file', path: config.webIdentityTokenFile };
  if (oidcAvailable) return { kind: 'github-oidc', audience: checkAudience(config.audience) };
  throw new InputError(
    Input.RoleToAssume,
    `Input 'role-to-assume' (${config.roleArn}) cannot be assumed: ${NO_SIGNER}.`,
  );
}
