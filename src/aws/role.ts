/**
 * The AssumeRole path's helpers: who signs, which role, and (when AssumeRole is refused) what IAM can
 * tell to explain it.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { InputError } from '../errors';
import type { Config } from '../inputs/config';
import { noSignerForProfiles, noSignerMessage, type RoleRef } from '../inputs/plan';
import { essentialTags } from '../inputs/tags';
import { type Credentials, Input, type Issued } from '../names';
import { roleArnIn, sameAccount } from './arn';
import { AwsCallError } from './classify';
import { type Hooks, whenNextRequestSent } from './clients';
import {
  callerFromMessage,
  explainAssumeRoleDenied,
  explainChainedDurationTooLong,
  explainDurationTooLong,
  isChainedDurationRefusal,
  isDurationRefusal,
  NO_IAM_ENDPOINT,
  OTHER_ACCOUNT,
  type RoleLookup,
} from './explain';
import { assumeRole, getCallerIdentity, type RoleRequest } from './sts';

/** What obtaining credentials needs from the runner. */
export interface Io {
  /** Registers secrets with the runner before anything else can print them. */
  mask(...secrets: (string | undefined)[]): void;
  /**
   * Fetches a GitHub OIDC token for an audience, calling `sent` once the request is on its way (tests
   * give a fake; main sets GitHub's token service, see idTokenIo).
   */
  fetchIdToken?: ((audience: string, sent?: () => void) => Promise<string>) | undefined;
  /** Logs lines in a collapsed group. */
  group(title: string, lines: string[]): void;
  /** Plugged into every AWS client: the retry log, and (in tests) a fake AWS. */
  hooks: Hooks;
}

/** One STS exchange's context: the settings, the runner's side, and what signs (absent: the default chain). */
export interface Call {
  config: Config;
  io: Io;
  signer: Credentials | undefined;
}

/**
 * With no keys and no OIDC, the SDK's default chain must find something — or the step fails at once.
 * `role`: role-to-assume; undefined for the roles of profiles alone.
 */
export async function requireAmbientCredentials(sts: STSClient, role: RoleRef | undefined): Promise<void> {
  try {
    await sts.config.credentials();
  } catch {
    if (role === undefined) throw new InputError(Input.Profiles, noSignerForProfiles());
    throw new InputError(Input.RoleToAssume, noSignerMessage('arn' in role ? role.arn : role.name));
  }
}

/** A role given by name is in the account (and partition) of the credentials that assume it. */
export async function resolveRole(sts: STSClient, role: RoleRef): Promise<string> {
  if ('arn' in role) return role.arn;
  const caller = await getCallerIdentity(sts);
  return roleArnIn(caller.arn, role.name);
}

/** AssumeRole with session tags; if STS finds them too large, once more with only the essential ones. */
export async function assumeRoleTagged(sts: STSClient, request: RoleRequest): Promise<Issued> {
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

/** role-chaining with AWS_PROFILE: the keys of that profile, as an earlier step wrote it (aws-profile). */
export async function keysOfProfile(profile: string, io: Io): Promise<Credentials> {
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

/** Rewrites an AssumeRole refusal into one that says who was refused and why. */
export async function explainRoleFailure(
  call: Call,
  { roleArn, sts, error }: { roleArn: string; sts: STSClient; error: unknown },
): Promise<unknown> {
  const { config } = call;
  if (!(error instanceof AwsCallError)) return error;
  const { detail } = error;
  if (detail.kind === 'denied') {
    const named = callerFromMessage(detail.message);
    // IAM, asked next unless the caller is of another account, loads while STS says who the caller is.
    const asking = named === undefined && asksIam(config);
    const preload = asking ? whenNextRequestSent(() => void loadIam().catch(() => undefined)) : undefined;
    const caller =
      named ??
      (await getCallerIdentity(sts)
        .then(
          (id) => id.arn,
          () => undefined,
        )
        .finally(() => preload?.()));
    // A caller of another account: IAM (which answers for the caller's account) knows nothing of the role.
    const role =
      caller !== undefined && !sameAccount(caller, roleArn)
        ? { unknown: OTHER_ACCOUNT }
        : await lookUpRole(call, roleArn);
    return new AwsCallError(
      error.operation,
      detail,
      explainAssumeRoleDenied({
        roleArn,
        caller,
        role,
        awsMessage: detail.message,
        sourceIdentity: config.sourceIdentity,
      }),
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
    const role = await lookUpRole(call, roleArn);
    const max = 'found' in role && role.found ? role.maxSessionDuration : undefined;
    return new AwsCallError(
      error.operation,
      detail,
      explainDurationTooLong(roleArn, config.durationSeconds, max),
    );
  }
  return error;
}

/**
 * What IAM says of the role. Not asked when STS is reached at a custom endpoint (a private one, most
 * likely) and no IAM endpoint is set: AWS's public IAM is then another network, maybe unreachable from
 * here, and not one the user chose to send requests to.
 */
async function lookUpRole({ config, signer, io }: Call, roleArn: string): Promise<RoleLookup> {
  if (!asksIam(config)) return { unknown: NO_IAM_ENDPOINT };
  const iam = await loadIam();
  const client = iam.createIamClient(config, signer, io.hooks);
  try {
    return await iam.lookUpRole(client, roleArn);
  } finally {
    client.destroy();
  }
}

function asksIam(config: Config): boolean {
  return config.stsEndpoint === undefined || config.iamEndpoint !== undefined;
}

let iamModule: Promise<typeof import('./iam')> | undefined;

/** The IAM client's module, loaded once, only to explain a refusal. */
function loadIam(): Promise<typeof import('./iam')> {
  iamModule ??= import('./iam');
  return iamModule;
}
