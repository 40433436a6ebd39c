/**
 * IAM, read only to explain a failure. Loaded with a dynamic import, so a step that
 * succeeds without it never pays for the IAM client.
 */
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Config } from '../inputs/config';
import type { Credentials } from '../names';
import { DEFAULT_SESSION_SECONDS } from '../names';
import { roleNameOf, sameAccount } from './arn';
import { classifyAwsError } from './classify';
import { type Hooks, transportOptions, watchRequests } from './clients';
import { OTHER_ACCOUNT, type RoleLookup } from './explain';

/** An IAM client like the STS one (signer absent: the SDK's default chain), one attempt per request. */
export function createIamClient(
  config: Pick<Config, 'region' | 'retry' | 'proxy' | 'iamEndpoint'>,
  signer: Credentials | undefined,
  hooks: Hooks,
): IAMClient {
  // Best effort only: an explanation is not worth retrying for.
  const once = { ...config, retry: { maxAttempts: 1 } };
  const client = new IAMClient({
    ...transportOptions({ config: once, service: 'iam', endpoint: config.iamEndpoint, hooks }),
    credentials: signer,
  });
  return watchRequests(client, 'iam', hooks);
}

/**
 * iam:GetRole, best effort: never throws. GetRole takes a name and looks in the signer's own account, so
 * an answer for a role of the same name in another account is not taken for this role.
 */
export async function lookUpRole(client: IAMClient, roleArn: string): Promise<RoleLookup> {
  const roleName = roleNameOf(roleArn);
  try {
    const out = await client.send(new GetRoleCommand({ RoleName: roleName }));
    const answered = out.Role?.Arn;
    if (answered !== undefined && !sameAccount(answered, roleArn)) return { unknown: OTHER_ACCOUNT };
    const document = out.Role?.AssumeRolePolicyDocument;
    return {
      found: true,
      maxSessionDuration: out.Role?.MaxSessionDuration ?? DEFAULT_SESSION_SECONDS,
      trustPolicy: document ? parseDocument(document) : undefined,
    };
  } catch (error) {
    const detail = classifyAwsError(error, 'IAM');
    if (detail.code === 'NoSuchEntity' || detail.code === 'NoSuchEntityException') return { found: false };
    // AWS's code says enough; an answer that was not AWS's is told in its plain words.
    return { unknown: `iam:GetRole failed: ${detail.foreign === undefined ? detail.code : detail.message}` };
  }
}

/** IAM returns policy documents URL-encoded. */
function parseDocument(document: string): unknown {
  try {
    return JSON.parse(decodeURIComponent(document));
  } catch {
    try {
      return JSON.parse(document);
    } catch {
      return undefined;
    }
  }
}
