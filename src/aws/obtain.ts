/**
 * Carries out a plan: the STS call it names, and — only when it fails — the IAM look-ups that explain
 * why. Side effects on the runner go through `io`.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import type { Config } from '../inputs/config';
import { keysFromEnv } from '../inputs/env';
import type { Plan } from '../inputs/plan';
import { type Credentials, type Env, type Identity, type Issued, StsOperation } from '../names';
import { AwsCallError } from './classify';
import { createStsClient } from './clients';
import {
  decodeJwtClaims,
  explainDurationTooLong,
  explainWebIdentityDenied,
  isDurationRefusal,
  loggableClaims,
} from './explain';
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
import { expiresSoon, getWebIdentityToken, githubIdToken } from './web-identity';

export type { Io };

/** special-characters-workaround asks at most this often (a secret is letters and digits only ~1 time in 4). */
export const PLAIN_SECRET_ATTEMPTS = 30;

export async function obtain(config: Config, plan: Plan, io: Io): Promise<Issued> {
  const policy: SessionPolicy = {
    policy: config.sessionPolicy,
    policyArns: config.managedPolicyArns,
  };
  const session = { sessionName: config.sessionName, durationSeconds: config.durationSeconds, ...policy };

  switch (plan.kind) {
    case StsOperation.AssumeRole: {
      const signer =
        plan.signer?.from === 'profile' ? await keysOfProfile(plan.signer.profile, io) : plan.signer?.keys;
      const call: Call = { config, io, signer };
      return withSts(call, async (sts) => {
        if (plan.signer === undefined) await requireAmbientCredentials(sts, plan.role);
        // A duration over the role's limit is STS's to refuse, in this same request (and then explained):
        // asking IAM first would cost every long session a round trip, and IAM is often not readable.
        const roleArn = await resolveRole(sts, plan.role);
        const request: RoleRequest = {
          ...session,
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
      });
    }

    case StsOperation.AssumeRoleWithWebIdentity: {
      const source = plan.token;
      const token = await getWebIdentityToken(source, io.fetchIdToken ?? githubIdToken);
      io.mask(token);
      const claims = decodeJwtClaims(token);
      if (claims) io.group('Web identity token claims', loggableClaims(claims));
      return withSts({ config, io, signer: undefined }, async (sts) => {
        if (source.kind === 'github-oidc') {
          refreshTokenPerAttempt(sts, token, async () => {
            const fresh = await getWebIdentityToken(source, io.fetchIdToken ?? githubIdToken);
            io.mask(fresh);
            return fresh;
          });
        }
        try {
          const request = { ...session, roleArn: plan.roleArn, webIdentityToken: token };
          return await untilPlain(config, io, () => assumeRoleWithWebIdentity(sts, request));
        } catch (error) {
          if (!(error instanceof AwsCallError)) throw error;
          if (error.detail.kind === 'denied') {
            const message = explainWebIdentityDenied(plan.roleArn, claims, error.detail.message);
            throw new AwsCallError(error.operation, error.detail, message);
          }
          if (isDurationRefusal(error.detail.message)) {
            const message = explainDurationTooLong(plan.roleArn, config.durationSeconds, undefined);
            throw new AwsCallError(error.operation, error.detail, message);
          }
          throw error;
        }
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

    case StsOperation.GetFederationToken:
      return withSts({ config, io, signer: plan.signer }, (sts) =>
        untilPlain(config, io, () =>
          getFederationToken(sts, { name: plan.name, durationSeconds: config.durationSeconds, ...policy }),
        ),
      );
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

async function withSts<T>(call: Call, use: (sts: STSClient) => Promise<T>): Promise<T> {
  const sts = createStsClient(call.config, call.signer, call.io.hooks);
  try {
    return await use(sts);
  } finally {
    sts.destroy();
  }
}

/**
 * With GitHub OIDC, every attempt (retries included) checks the token it is about to send; one close to
 * expiry is replaced by a fresh one. Runs after the SDK's retry middleware, so once per attempt.
 */
function refreshTokenPerAttempt(sts: STSClient, first: string, fetchFresh: () => Promise<string>): void {
  let current = first;
  sts.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      if (typeof request.body === 'string' && request.body.includes(current) && expiresSoon(current)) {
        const fresh = await fetchFresh();
        // JWTs use only URL-safe characters, so the form-encoded body holds the token as is.
        request.body = request.body.replace(current, fresh);
        if (request.headers)
          request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
        current = fresh;
      }
      return next(args);
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'freshWebIdentityToken' },
  );
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
