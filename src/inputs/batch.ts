/**
 * How the roles of `profiles`, and role-to-assume when it is given with them, are obtained: all of them the
 * same way, the way role-to-assume alone would be: AssumeRole with one signer, or AssumeRoleWithWebIdentity
 * with one token (fetched once). Pure: every refusal is an InputError, before any request.
 */
import { InputError } from '../errors';
import { type Env, Input, StsOperation } from '../names';
import type { Config } from './config';
import {
  noSignerForProfiles,
  type Plan,
  type RoleRef,
  roleOperation,
  roleRef,
  type Signer,
  signerFor,
  sourceIdentityWithWebIdentity,
  type TokenSource,
  tokenSource,
} from './plan';
import { onLine } from './profiles';
import { refusesRefresh, renewable } from './renewable';

/** A role to obtain, and the profile it is written as (undefined: role-to-assume, exported as it is). */
export interface RoleTarget<R extends RoleRef = RoleRef> {
  profile: string | undefined;
  role: R;
}

/** Every role of a step with profiles, and how all of them are obtained. */
export type Batch =
  | { kind: StsOperation.AssumeRole; signer: Signer; targets: RoleTarget[] }
  | {
      kind: StsOperation.AssumeRoleWithWebIdentity;
      token: TokenSource;
      targets: RoleTarget<{ arn: string }>[];
    };

/**
 * The batch of a step with profiles (undefined without them). `plan`: role-to-assume's, when it is given;
 * its signer or token source is the one every profile uses.
 */
export function planBatch(config: Config, env: Env, plan: Plan | undefined): Batch | undefined {
  const { profiles } = config;
  if (profiles === undefined) return undefined;
  const main = roleRef(config);
  const targets: RoleTarget[] = [
    ...(main === undefined ? [] : [{ profile: undefined, role: main }]),
    ...profiles.map((entry) => ({ profile: entry.name, role: entry.role })),
  ];
  // With profiles alone there is no plan of role-to-assume to have checked these.
  if (config.refresh) refusesRefresh(config);
  // role-to-assume's plan is one of the two (checkCompanions refuses the token operations).
  const operation =
    plan?.kind === StsOperation.AssumeRole || plan?.kind === StsOperation.AssumeRoleWithWebIdentity
      ? plan.kind
      : roleOperation(config, env);
  if (operation === StsOperation.AssumeRole) {
    const signer = plan?.kind === StsOperation.AssumeRole ? plan.signer : signerFor(config, env);
    const first = targets[0]?.role ?? { name: '' };
    // refresh-credentials renews every profile with the same signer: one it can keep (see renewable).
    if (config.refresh) renewable({ kind: operation, role: first, signer });
    return { kind: operation, signer, targets };
  }
  const named = profiles.find((entry) => 'name' in entry.role);
  if (named !== undefined) {
    const name = 'name' in named.role ? named.role.name : '';
    throw new InputError(
      Input.Profiles,
      `${onLine(named.line)} names role ${JSON.stringify(name)} by name, and a web identity needs a full ` +
        'role ARN: there are no credentials to find its account from.',
    );
  }
  // (role-to-assume by name was refused by choosePlan.)
  const byArn = targets.filter((target): target is RoleTarget<{ arn: string }> => 'arn' in target.role);
  const first = byArn[0]?.role.arn ?? '';
  if (config.sourceIdentity !== undefined) throw sourceIdentityWithWebIdentity(first);
  const token = plan?.kind === StsOperation.AssumeRoleWithWebIdentity ? plan.token : tokenSource(config, env);
  if (token === undefined) throw new InputError(Input.Profiles, noSignerForProfiles());
  return { kind: StsOperation.AssumeRoleWithWebIdentity, token, targets: byArn };
}

/** The role ARNs `profiles` names (for masking their accounts before anything is printed). */
export function profileRoleArns(config: Pick<Config, 'profiles'>): string[] {
  return (config.profiles ?? []).flatMap((entry) => ('arn' in entry.role ? [entry.role.arn] : []));
}
