/**
 * The plan a step follows, chosen from the inputs and what the runner offers, before any request: none when
 * the credentials already in the environment are to be kept, else one that refresh-credentials can renew
 * when it is set. Pure: every refusal is an InputError.
 */
import { InputError } from '../errors';
import { type Env, Input, StsOperation } from '../names';
import type { Config } from './config';
import { type Plan, planFor, roleRef } from './plan';
import { refusesRefresh, renewable } from './renewable';

/**
 * The plan; or, when use-existing-credentials is set and nothing is given to get new credentials with (no
 * role, no keys), undefined: valid credentials in the environment need none (see noValidCredentials); or,
 * with profiles and no role-to-assume, undefined: the profiles are all there is (see profiles.ts).
 */
export function planUnlessKept(config: Config, env: Env): Plan | undefined {
  // profiles alone: every role is planned by planProfiles, and nothing else is obtained.
  if (config.profiles !== undefined && roleRef(config) === undefined) return undefined;
  const nothingGiven =
    config.operation === StsOperation.Auto &&
    config.roleArn === undefined &&
    config.roleName === undefined &&
    config.keys === undefined;
  // refresh-credentials refuses use-existing-credentials in choosePlan.
  return config.useExistingCredentials && nothingGiven && !config.refresh
    ? undefined
    : choosePlan(config, env);
}

/** use-existing-credentials found no valid credentials, and nothing was given to get new ones with. */
export function noValidCredentials(): InputError {
  return InputError.missing(
    Input.RoleToAssume,
    'there are no valid credentials in the environment for use-existing-credentials, and no role was given ' +
      'to get new ones with (nor aws-access-key-id and aws-secret-access-key)',
  );
}

export function choosePlan(config: Config, env: Env): Plan {
  if (!config.refresh) return planFor(config, env);
  refusesRefresh(config);
  return renewable(planFor(config, env));
}
