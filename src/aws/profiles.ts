/**
 * Obtains every role of a step with profiles (and role-to-assume, when given with them) at once: one signer,
 * or one web identity token, for all of them, and one client whose requests go out together, so n roles
 * cost about one round trip, and exactly one STS request each (a role named without its ARN needs the
 * caller's account: one GetCallerIdentity, for all of them). All or nothing: when any role is refused, the
 * step fails naming every refused role and why, and none is handed on.
 */
import { describeError } from '../errors';
import type { Batch, RoleTarget } from '../inputs/batch';
import type { Config } from '../inputs/config';
import { checkAccount } from '../inputs/fields';
import { type Issued, type ProfileIssued, StsOperation } from '../names';
import { roleArnIn } from './arn';
import { assumeOne, assumeWithToken, signingKeys, withSts } from './obtain';
import { type Call, type Io, requireAmbientCredentials } from './role';
import { getCallerIdentity } from './sts';
import { webIdentityToken } from './web-token';

/** What a batch gives: role-to-assume's credentials (when it was given) and each profile's. */
export interface Obtained {
  main: Issued | undefined;
  profiles: ProfileIssued[];
}

/** Not every role of the batch could be obtained: the message names each that could not, and why. */
export class RolesRefusedError extends Error {
  override name = 'RolesRefusedError';
}

export async function obtainBatch(config: Config, batch: Batch, io: Io): Promise<Obtained> {
  const settled = await settleAll(config, batch, io);
  const failures: string[] = [];
  let main: Issued | undefined;
  const profiles: ProfileIssued[] = [];
  batch.targets.forEach((target, index) => {
    const result = settled[index];
    if (result === undefined) return;
    if (result.status === 'rejected') {
      failures.push(`${describeTarget(target)}: ${describeError(result.reason)}`);
      return;
    }
    const issued = result.value;
    if (target.profile === undefined) {
      main = issued; // held to allowed-account-ids, as it is alone, once the batch is in
      return;
    }
    try {
      checkAccount(
        { allowed: config.allowedAccountIds, masked: config.maskAccountId },
        issued.identity.accountId,
      );
      profiles.push({ name: target.profile, issued });
    } catch (error) {
      failures.push(`${describeTarget(target)}: ${describeError(error)}`);
    }
  });
  if (failures.length > 0) {
    const count = `${failures.length} of ${batch.targets.length} roles`;
    throw new RolesRefusedError(
      `${count} could not be obtained, so no profile was written and nothing was exported. ${failures.join(' ')}`,
    );
  }
  return { main, profiles };
}

/** Every role's request, sent together; each result masked as soon as it comes. */
async function settleAll(config: Config, batch: Batch, io: Io): Promise<PromiseSettledResult<Issued>[]> {
  const masked = (issued: Issued) => {
    const { accessKeyId, secretAccessKey, sessionToken } = issued.credentials;
    io.mask(accessKeyId, secretAccessKey, sessionToken);
    if (config.maskAccountId) io.mask(issued.identity.accountId);
    return issued;
  };
  if (batch.kind === StsOperation.AssumeRoleWithWebIdentity) {
    // The requests are made ready while the token is on its way (see webIdentityToken).
    const token = webIdentityToken(batch.token, io);
    return withSts({ config, io, signer: undefined }, async (sts) => {
      token.renewIn(sts);
      const each = batch.targets.map((target) =>
        assumeWithToken({ config, io, sts, token, roleArn: target.role.arn }).then(masked),
      );
      const settled = await Promise.allSettled(each);
      await token.ready; // no token: that alone is the failure, said once
      return settled;
    });
  }
  const call: Call = { config, io, signer: await signingKeys(batch.signer, io) };
  return withSts(call, async (sts) => {
    const main = batch.targets.find((target) => target.profile === undefined);
    if (batch.signer === undefined) await requireAmbientCredentials(sts, main?.role);
    const byName = batch.targets.some((target) => 'name' in target.role);
    const caller = byName ? (await getCallerIdentity(sts)).arn : '';
    const each = batch.targets.map(({ role }) =>
      assumeOne(call, sts, 'arn' in role ? role.arn : roleArnIn(caller, role.name)).then(masked),
    );
    return Promise.allSettled(each);
  });
}

/** `profile "app" (arn:…)`, or `role-to-assume (arn:…)`. */
function describeTarget({ profile, role }: RoleTarget): string {
  const which = 'arn' in role ? role.arn : role.name;
  return profile === undefined
    ? `role-to-assume (${which})`
    : `Profile ${JSON.stringify(profile)} (${which})`;
}
