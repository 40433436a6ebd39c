/**
 * What refresh-credentials can renew, decided on the inputs and on the plan before any request: a role
 * assumed with a GitHub OIDC token, a token file or the keys given, each obtainable again later.
 */
import { InputError } from '../errors';
import { type Credentials, Input, StsOperation } from '../names';
import type { Config } from './config';
import type { Plan, RoleRef } from './plan';

/** A plan refresh-credentials can renew: a web identity, or the keys given signing AssumeRole. */
export type RenewablePlan =
  | Extract<Plan, { kind: StsOperation.AssumeRoleWithWebIdentity }>
  | { kind: StsOperation.AssumeRole; role: RoleRef; signer: { from: 'inputs'; keys: Credentials } };

/**
 * refresh-credentials renews with what the main step used: a GitHub OIDC token (fetched again), a token file
 * (read again) or the keys given (kept for it), each to assume the role. Anything else is refused before any
 * request: credentials of an earlier step expire with it, and the SDK's default chain would, in a later
 * step, find the profile itself. Checked on the inputs first (here), then on the plan (renewable).
 */
export function refusesRefresh(config: Config): void {
  const { operation } = config;
  if (config.roleChaining)
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' cannot renew a chained role: role-chaining signs with the ` +
        'credentials of an earlier step, which expire and are not renewed. Set refresh-credentials on a step ' +
        'that assumes the role with GitHub OIDC, a token file or keys, or remove role-chaining.',
    );
  if (operation === StsOperation.GetSessionToken || operation === StsOperation.GetFederationToken)
    throw notRenewed(operation);
  if (config.useExistingCredentials)
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' writes a profile that renews its own credentials, and ` +
        'use-existing-credentials keeps credentials already in the environment, which do not renew: remove ' +
        'one of the two.',
    );
}

/** The plan, if refresh-credentials can renew it; the refusal otherwise. */
export function renewable(plan: Plan): RenewablePlan {
  if (plan.kind === StsOperation.AssumeRoleWithWebIdentity) return plan;
  if (plan.kind === StsOperation.AssumeRole && plan.signer?.from === 'inputs')
    return { kind: plan.kind, role: plan.role, signer: { from: 'inputs', keys: plan.signer.keys } };
  if (plan.kind === StsOperation.AssumeRole)
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' cannot renew with the AWS SDK's default credential chain: in a ` +
        'later step that chain would find this profile itself. Add `permissions: id-token: write` (GitHub ' +
        'OIDC), web-identity-token-file, or aws-access-key-id and aws-secret-access-key.',
    );
  if (plan.kind === 'static-keys')
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' needs role-to-assume: keys given without a role are handed on as ` +
        'they are, and there is nothing to renew.',
    );
  throw notRenewed(plan.kind);
}

/** The token operations give credentials of the keys themselves: refresh-credentials renews a role. */
function notRenewed(operation: StsOperation): InputError {
  return new InputError(
    Input.RefreshCredentials,
    `Input '${Input.RefreshCredentials}' renews an assumed role, not the credentials of sts-operation ` +
      `${operation}: remove one of the two (GitHub OIDC, web-identity-token-file, or keys with role-to-assume ` +
      'renew).',
  );
}
