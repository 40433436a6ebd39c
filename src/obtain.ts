/**
 * Carries out a plan: the STS call it names, and — only when something fails or a limit is at stake —
 * the IAM look-ups that explain why. Side effects on the runner go through `io`.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { AwsCallError } from './aws-error';
import { createStsClient } from './clients';
import type { Config, Keys } from './config';
import {
  callerFromMessage,
  decodeJwtClaims,
  explainAssumeRoleDenied,
  explainDurationTooLong,
  explainWebIdentityDenied,
  isDurationRefusal,
  loggableClaims,
} from './explain';
import type { RoleLookup } from './iam';
import type { Plan } from './plan';
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  getCallerIdentity,
  getFederationToken,
  getSessionToken,
  type Issued,
  type SessionPolicy,
} from './sts';
import { getWebIdentityToken, type IdTokenFetcher } from './web-identity';

/** What obtaining credentials needs from the runner. */
export interface Io {
  /** Registers secrets with the runner before anything else can print them. */
  mask(...secrets: (string | undefined)[]): void;
  fetchIdToken: IdTokenFetcher;
  /** Logs lines in a collapsed group. */
  group(title: string, lines: string[]): void;
}

/** The longest session AWS gives a role unless its owner raised MaxSessionDuration. */
const DEFAULT_MAX_SESSION = 3600;

export async function obtain(config: Config, plan: Plan, io: Io): Promise<Issued> {
  const policy: SessionPolicy = {
    ...(config.sessionPolicy === undefined ? {} : { policy: config.sessionPolicy }),
    policyArns: config.managedPolicyArns,
  };
  const role = { sessionName: config.sessionName, durationSeconds: config.durationSeconds, ...policy };

  switch (plan.kind) {
    case 'assume-role':
      return withSts(config, plan.signer, async (sts) => {
        const request = { ...role, roleArn: plan.roleArn };
        if (config.durationSeconds > DEFAULT_MAX_SESSION)
          await checkDuration(config, plan.roleArn, plan.signer);
        try {
          return await assumeRole(sts, request);
        } catch (error) {
          throw await explainRoleFailure(config, plan.roleArn, plan.signer, sts, error);
        }
      });

    case 'web-identity': {
      const token = await getWebIdentityToken(plan.token, io.fetchIdToken);
      io.mask(token);
      const claims = decodeJwtClaims(token);
      if (claims) io.group('Web identity token claims', loggableClaims(claims));
      return withSts(config, undefined, async (sts) => {
        try {
          return await assumeRoleWithWebIdentity(sts, {
            ...role,
            roleArn: plan.roleArn,
            webIdentityToken: token,
          });
        } catch (error) {
          if (error instanceof AwsCallError && error.detail.kind === 'denied') {
            throw new AwsCallError(
              error.operation,
              error.detail,
              explainWebIdentityDenied(plan.roleArn, claims, error.detail.message),
            );
          }
          if (error instanceof AwsCallError && isDurationRefusal(error.detail.message)) {
            throw new AwsCallError(
              error.operation,
              error.detail,
              explainDurationTooLong(plan.roleArn, config.durationSeconds, undefined),
            );
          }
          throw error;
        }
      });
    }

    case 'static-keys':
      return withSts(config, plan.keys, async (sts) => ({
        credentials: plan.keys,
        identity: await getCallerIdentity(sts),
      }));

    case 'session-token':
      return withSts(config, plan.signer, async (sts) => {
        const [credentials, identity] = await Promise.all([
          getSessionToken(sts, config.durationSeconds),
          getCallerIdentity(sts),
        ]);
        return { credentials, identity };
      });

    case 'federation-token':
      return withSts(config, plan.signer, (sts) =>
        getFederationToken(sts, { name: plan.name, durationSeconds: config.durationSeconds, ...policy }),
      );
  }
}

async function withSts<T>(
  config: Config,
  signer: Keys | undefined,
  use: (sts: STSClient) => Promise<T>,
): Promise<T> {
  const sts = createStsClient(config, signer);
  try {
    return await use(sts);
  } finally {
    sts.destroy();
  }
}

/** A duration over the default limit is at stake: ask IAM for the role's limit first (best effort). */
async function checkDuration(config: Config, roleArn: string, signer: Keys): Promise<void> {
  const role = await lookUpRole(config, roleArn, signer);
  if ('found' in role && role.found && config.durationSeconds > role.maxSessionDuration) {
    throw new Error(explainDurationTooLong(roleArn, config.durationSeconds, role.maxSessionDuration));
  }
}

/** Rewrites an AssumeRole refusal into one that says who was refused and why. */
async function explainRoleFailure(
  config: Config,
  roleArn: string,
  signer: Keys,
  sts: STSClient,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof AwsCallError)) return error;
  const { detail } = error;
  if (detail.kind === 'denied') {
    const caller =
      callerFromMessage(detail.message) ??
      (await getCallerIdentity(sts).then(
        (id) => id.arn,
        () => undefined,
      ));
    const role = await lookUpRole(config, roleArn, signer);
    return new AwsCallError(
      error.operation,
      detail,
      explainAssumeRoleDenied(roleArn, caller, role, detail.message),
    );
  }
  if (isDurationRefusal(detail.message)) {
    const role = await lookUpRole(config, roleArn, signer);
    const max = 'found' in role && role.found ? role.maxSessionDuration : undefined;
    return new AwsCallError(
      error.operation,
      detail,
      explainDurationTooLong(roleArn, config.durationSeconds, max),
    );
  }
  return error;
}

async function lookUpRole(config: Config, roleArn: string, signer: Keys): Promise<RoleLookup> {
  const iam = await import('./iam');
  const client = iam.createIamClient(config.region, config.iamEndpoint, signer);
  try {
    return await iam.lookUpRole(client, roleArn);
  } finally {
    client.destroy();
  }
}
