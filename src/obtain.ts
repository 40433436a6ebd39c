/**
 * Carries out a plan: the STS call it names, and — only when something fails or a limit is at stake —
 * the IAM look-ups that explain why. Side effects on the runner go through `io`.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import { AwsCallError } from './aws-error';
import { createStsClient } from './clients';
import { type Config, type Env, type Keys, keysFromEnv } from './config';
import { Input } from './constants';
import { InputError } from './errors';
import {
  callerFromMessage,
  decodeJwtClaims,
  explainAssumeRoleDenied,
  explainChainedDurationTooLong,
  explainDurationTooLong,
  explainWebIdentityDenied,
  isChainedDurationRefusal,
  isDurationRefusal,
  loggableClaims,
  OTHER_ACCOUNT,
} from './explain';
import type { RoleLookup } from './iam';
import { noSignerMessage, type Plan, type RoleRef } from './plan';
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  type Credentials,
  getCallerIdentity,
  getFederationToken,
  getSessionToken,
  type Identity,
  type Issued,
  type RoleRequest,
  type SessionPolicy,
  sameAccount,
} from './sts';
import { essentialTags } from './tags';
import { expiresSoon, getWebIdentityToken, type IdTokenFetcher } from './web-identity';

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
/** special-characters-workaround asks at most this often (a secret is letters and digits only ~1 time in 4). */
export const PLAIN_SECRET_ATTEMPTS = 30;

export async function obtain(config: Config, plan: Plan, io: Io): Promise<Issued> {
  const policy: SessionPolicy = {
    ...(config.sessionPolicy === undefined ? {} : { policy: config.sessionPolicy }),
    policyArns: config.managedPolicyArns,
  };
  const session = { sessionName: config.sessionName, durationSeconds: config.durationSeconds, ...policy };

  switch (plan.kind) {
    case 'assume-role': {
      const signer =
        plan.signer?.from === 'profile' ? await keysOfProfile(plan.signer.profile, io) : plan.signer?.keys;
      return withSts(config, signer, async (sts) => {
        if (plan.signer === undefined) await requireAmbientCredentials(sts, plan.role);
        const roleArn = await resolveRole(sts, plan.role);
        if (config.durationSeconds > DEFAULT_MAX_SESSION) await checkDuration(config, roleArn, signer);
        const request: RoleRequest = {
          ...session,
          roleArn,
          ...(config.externalId === undefined ? {} : { externalId: config.externalId }),
          ...(config.tagging === undefined ? {} : config.tagging),
        };
        try {
          return await untilPlain(config, io, () => assumeRoleTagged(sts, request));
        } catch (error) {
          throw await explainRoleFailure(config, roleArn, signer, sts, error);
        }
      });
    }

    case 'web-identity': {
      const source = plan.token;
      const token = await getWebIdentityToken(source, io.fetchIdToken);
      io.mask(token);
      const claims = decodeJwtClaims(token);
      if (claims) io.group('Web identity token claims', loggableClaims(claims));
      return withSts(config, undefined, async (sts) => {
        if (source.kind === 'github-oidc') {
          refreshTokenPerAttempt(sts, token, async () => {
            const fresh = await getWebIdentityToken(source, io.fetchIdToken);
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
      return withSts(config, plan.keys, async (sts) => ({
        credentials: plan.keys,
        identity: await getCallerIdentity(sts),
      }));

    case 'session-token':
      return withSts(config, plan.signer, async (sts) => {
        const identity = await getCallerIdentity(sts);
        const issued = await untilPlain(config, io, async () => ({
          credentials: await getSessionToken(sts, config.durationSeconds),
          identity,
        }));
        return issued;
      });

    case 'federation-token':
      return withSts(config, plan.signer, (sts) =>
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
export async function existingIdentity(config: Config, env: Env): Promise<Identity | undefined> {
  const keys = keysFromEnv(env);
  if (keys === undefined) return undefined;
  try {
    return await withSts(config, keys, (sts) => getCallerIdentity(sts));
  } catch {
    return undefined;
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

/** With no keys and no OIDC, the SDK's default chain must find something — or the step fails at once. */
async function requireAmbientCredentials(sts: STSClient, role: RoleRef): Promise<void> {
  try {
    await sts.config.credentials();
  } catch {
    throw new InputError(Input.RoleToAssume, noSignerMessage('arn' in role ? role.arn : role.name));
  }
}

/** A role given by name is in the account (and partition) of the credentials that assume it. */
async function resolveRole(sts: STSClient, role: RoleRef): Promise<string> {
  if ('arn' in role) return role.arn;
  const caller = await getCallerIdentity(sts);
  const partition = caller.arn.split(':')[1] ?? 'aws';
  return `arn:${partition}:iam::${caller.accountId}:role/${role.name}`;
}

/** AssumeRole with session tags; if STS finds them too large, once more with only the essential ones. */
async function assumeRoleTagged(sts: STSClient, request: RoleRequest): Promise<Issued> {
  try {
    return await assumeRole(sts, request);
  } catch (error) {
    const tags = request.tags ?? [];
    const fewer = essentialTags(tags);
    if (!(error instanceof AwsCallError) || error.detail.code !== 'PackedPolicyTooLarge') throw error;
    if (fewer.length === tags.length) throw error;
    const kept = new Set(fewer.map((tag) => tag.Key));
    const transitiveTagKeys = (request.transitiveTagKeys ?? []).filter((key) => kept.has(key));
    return assumeRole(sts, { ...request, tags: fewer, transitiveTagKeys });
  }
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

/** role-chaining with AWS_PROFILE: the keys of that profile, as an earlier step wrote it (aws-profile). */
async function keysOfProfile(profile: string, io: Io): Promise<Keys> {
  const { fromIni } = await import('@aws-sdk/credential-provider-ini');
  try {
    const { accessKeyId, secretAccessKey, sessionToken } = await fromIni({ profile })();
    io.mask(secretAccessKey, sessionToken);
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InputError(
      Input.RoleChaining,
      `Input 'role-chaining' signs with the profile AWS_PROFILE names ("${profile}"), and it gave no credentials: ${why}`,
    );
  }
}

/** A duration over the default limit is at stake: ask IAM for the role's limit first (best effort). */
async function checkDuration(config: Config, roleArn: string, signer: Keys | undefined): Promise<void> {
  const role = await lookUpRole(config, roleArn, signer);
  if ('found' in role && role.found && config.durationSeconds > role.maxSessionDuration) {
    throw new Error(explainDurationTooLong(roleArn, config.durationSeconds, role.maxSessionDuration));
  }
}

/** Rewrites an AssumeRole refusal into one that says who was refused and why. */
async function explainRoleFailure(
  config: Config,
  roleArn: string,
  signer: Keys | undefined,
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
    // A caller of another account: IAM (which answers for the caller's account) knows nothing of the role.
    const role =
      caller !== undefined && !sameAccount(caller, roleArn)
        ? { unknown: OTHER_ACCOUNT }
        : await lookUpRole(config, roleArn, signer);
    return new AwsCallError(
      error.operation,
      detail,
      explainAssumeRoleDenied(roleArn, caller, role, detail.message),
    );
  }
  if (isChainedDurationRefusal(detail.message)) {
    return new AwsCallError(
      error.operation,
      detail,
      explainChainedDurationTooLong(roleArn, config.durationSeconds),
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

async function lookUpRole(config: Config, roleArn: string, signer: Keys | undefined): Promise<RoleLookup> {
  const iam = await import('./iam');
  const client = iam.createIamClient(config, signer);
  try {
    return await iam.lookUpRole(client, roleArn);
  } finally {
    client.destroy();
  }
}
