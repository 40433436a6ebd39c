/**
 * Carries out a plan: the STS call it names, and — only when it fails — the IAM look-ups that explain
 * why. Side effects on the runner go through `io`.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../inputs/config';
import { keysFromEnv } from '../inputs/env';
import type { Plan, Signer } from '../inputs/plan';
import { type Credentials, type Env, type Identity, type Issued, StsOperation } from '../names';
import { AwsCallError } from './classify';
import { createStsClient, whenNextRequestSent } from './clients';
import { explainDurationTooLong, explainWebIdentityDenied, isDurationRefusal } from './explain';
import {
  assumeRoleTagged,
  type Call,
  explainRoleFailure,
  type Io,
  keysOfProfile,
  requireAmbientCredentials,
  resolveRole,
} from './role';
import {
  assumeRoleWithWebIdentity,
  getCallerIdentity,
  getFederationToken,
  getSessionToken,
  type RoleRequest,
  type SessionPolicy,
} from './sts';
import { TOKEN_PENDING, type WebToken, webIdentityToken } from './web-token';

export type { Io };

/** special-characters-workaround asks at most this often (a secret is letters and digits only ~1 time in 4). */
export const PLAIN_SECRET_ATTEMPTS = 30;

export async function obtain(config: Config, plan: Plan, io: Io): Promise<Issued> {
  switch (plan.kind) {
    case StsOperation.AssumeRole: {
      const call: Call = { config, io, signer: await signingKeys(plan.signer, io) };
      return withSts(call, async (sts) => {
        if (plan.signer === undefined) await requireAmbientCredentials(sts, plan.role);
        // A duration over the role's limit is STS's to refuse, in this same request (and then explained):
        // asking IAM first would cost every long session a round trip, and IAM is often not readable.
        return assumeOne(call, sts, await resolveRole(sts, plan.role));
      });
    }

    case StsOperation.AssumeRoleWithWebIdentity: {
      // The token may still be on its way (see idTokenIo): the STS client and its request are made ready
      // meanwhile, and the token goes into the request as it is sent (renewIn).
      const token = webIdentityToken(plan.token, io);
      return withSts({ config, io, signer: undefined }, async (sts) => {
        token.renewIn(sts);
        return assumeWithToken({ config, io, sts, token, roleArn: plan.roleArn });
      });
    }

    case 'static-keys':
      return withSts({ config, io, signer: plan.keys }, async (sts) => ({
        credentials: plan.keys,
        identity: await getCallerIdentity(sts),
      }));

    case StsOperation.GetSessionToken:
      return withSts({ config, io, signer: plan.signer }, async (sts) => {
        const identity = await getCallerIdentity(sts);
        const issued = await untilPlain(config, io, async () => ({
          credentials: await getSessionToken(sts, config.durationSeconds),
          identity,
        }));
        return issued;
      });

    case StsOperation.GetFederationToken: {
      const request = { name: plan.name, durationSeconds: config.durationSeconds, ...policyOf(config) };
      return withSts({ config, io, signer: plan.signer }, (sts) =>
        untilPlain(config, io, () => getFederationToken(sts, request)),
      );
    }
  }
}

function policyOf(config: Config): SessionPolicy {
  return { policy: config.sessionPolicy, policyArns: config.managedPolicyArns };
}

/** The settings every role session is asked for with. */
function sessionOf(config: Config) {
  return { sessionName: config.sessionName, durationSeconds: config.durationSeconds, ...policyOf(config) };
}

/** The keys a plan's signer names: given, from the environment, or read from AWS_PROFILE's profile. */
export async function signingKeys(signer: Signer, io: Io): Promise<Credentials | undefined> {
  return signer?.from === 'profile' ? keysOfProfile(signer.profile, io) : signer?.keys;
}

/** AssumeRole of one role, signed as the client is; a refusal is explained (see role.ts). */
export async function assumeOne(call: Call, sts: STSClient, roleArn: string): Promise<Issued> {
  const { config, io } = call;
  const request: RoleRequest = {
    ...sessionOf(config),
    roleArn,
    externalId: config.externalId,
    sourceIdentity: config.sourceIdentity,
    ...config.tagging,
  };
  try {
    return await untilPlain(config, io, () => assumeRoleTagged(sts, request));
  } catch (error) {
    throw await explainRoleFailure(call, { roleArn, sts, error });
  }
}

/** AssumeRoleWithWebIdentity of one role with the step's token; a refusal is explained. */
export async function assumeWithToken(request: {
  config: Config;
  io: Io;
  sts: STSClient;
  token: WebToken;
  roleArn: string;
}): Promise<Issued> {
  const { config, io, sts, token, roleArn } = request;
  try {
    const asked = { ...sessionOf(config), roleArn, webIdentityToken: TOKEN_PENDING };
    return await untilPlain(config, io, () => assumeRoleWithWebIdentity(sts, asked));
  } catch (error) {
    // No token: that is the failure (its own error), not whatever the SDK made of it.
    const { claims } = await token.ready;
    if (!(error instanceof AwsCallError)) throw error;
    if (error.detail.kind === 'denied') {
      const message = explainWebIdentityDenied(roleArn, claims, error.detail.message);
      throw new AwsCallError(error.operation, error.detail, message);
    }
    if (isDurationRefusal(error.detail.message)) {
      const message = explainDurationTooLong(roleArn, config.durationSeconds, undefined);
      throw new AwsCallError(error.operation, error.detail, message);
    }
    throw error;
  }
}

/**
 * use-existing-credentials: the identity of credentials already in the environment, when they work;
 * undefined when there are none or STS refuses them.
 */
export async function existingIdentity(config: Config, env: Env, io: Io): Promise<Identity | undefined> {
  const keys = keysFromEnv(env);
  if (keys === undefined) return undefined;
  try {
    return await withSts({ config, io, signer: keys }, (sts) => getCallerIdentity(sts));
  } catch {
    return undefined;
  }
}

export async function withSts<T>(call: Call, use: (sts: STSClient) => Promise<T>): Promise<T> {
  const sts = createStsClient(call.config, call.signer, call.io.hooks);
  // verify-bucket: the gate and the S3 client load while STS answers, not after.
  const preload = call.config.verify ? whenNextRequestSent(preloadGate) : undefined;
  try {
    return await use(sts);
  } finally {
    preload?.();
    sts.destroy();
  }
}

/** The gate's modules, loaded (and kept by the bundle's module cache) before main asks for them. */
function preloadGate(): void {
  void Promise.all([import('./gate'), import('./s3'), import('./s3-objects')]).catch(() => undefined);
}

/** special-characters-workaround: ask again until the secret key is letters and digits only. */
async function untilPlain(config: Config, io: Io, issue: () => Promise<Issued>): Promise<Issued> {
  for (let attempt = 1; ; attempt++) {
    const issued = await issue();
    if (!config.specialCharactersWorkaround || isPlain(issued.credentials)) return issued;
    io.mask(issued.credentials.secretAccessKey, issued.credentials.sessionToken);
    if (attempt >= PLAIN_SECRET_ATTEMPTS) {
      throw new Error(
        `special-characters-workaround: no secret key of letters and digits only after ${attempt} requests.`,
      );
    }
  }
}

function isPlain(credentials: Credentials): boolean {
  return /^[A-Za-z0-9]+$/.test(credentials.secretAccessKey);
}
