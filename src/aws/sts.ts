/**
 * The STS operations, one function each. Each takes its client, returns plain data, and throws an
 * AwsCallError that says what was asked, of whom, and why it failed.
 */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  type STSClient,
  type Credentials as StsCredentials,
  type Tag,
} from '@aws-sdk/client-sts';
import { type Credentials, type Identity, type Issued, OPERATION_API, StsOperation } from '../names';
import { accountOf } from './arn';
import { AwsCallError, classifyAwsError } from './classify';
import { untrustedTlsHint } from './explain';

/** Limits on a session: an inline policy and managed policy ARNs (for federation, its whole policy). */
export interface SessionPolicy {
  policy?: string;
  policyArns: string[];
}

export interface RoleRequest extends SessionPolicy {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  /** AssumeRole only. */
  externalId?: string;
  /** AssumeRole only: AssumeRoleWithWebIdentity takes a source identity from the token alone. */
  sourceIdentity?: string;
  /** Session tags, AssumeRole only. */
  tags?: Tag[];
  transitiveTagKeys?: string[];
}

function policyParams({ policy, policyArns }: SessionPolicy) {
  return {
    ...(policy === undefined ? {} : { Policy: policy }),
    ...(policyArns.length === 0 ? {} : { PolicyArns: policyArns.map((arn) => ({ arn })) }),
  };
}

export async function assumeRole(client: STSClient, request: RoleRequest): Promise<Issued> {
  const operation = OPERATION_API[StsOperation.AssumeRole];
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds,
        ...policyParams(request),
        ...(request.externalId === undefined ? {} : { ExternalId: request.externalId }),
        ...(request.sourceIdentity === undefined ? {} : { SourceIdentity: request.sourceIdentity }),
        ...(request.tags === undefined || request.tags.length === 0 ? {} : { Tags: request.tags }),
        ...(request.transitiveTagKeys === undefined || request.transitiveTagKeys.length === 0
          ? {}
          : { TransitiveTagKeys: request.transitiveTagKeys }),
      }),
    );
    return issued(operation, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (error) {
    throw wrap(operation, `assuming ${request.roleArn}`, error);
  }
}

export async function assumeRoleWithWebIdentity(
  client: STSClient,
  request: RoleRequest & { webIdentityToken: string },
): Promise<Issued> {
  const operation = OPERATION_API[StsOperation.AssumeRoleWithWebIdentity];
  try {
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds,
        WebIdentityToken: request.webIdentityToken,
        ...policyParams(request),
      }),
    );
    return issued(operation, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (error) {
    throw wrap(operation, `assuming ${request.roleArn} with a web identity token`, error);
  }
}

/** GetSessionToken: temporary credentials for the signing IAM user. */
export async function getSessionToken(client: STSClient, durationSeconds: number): Promise<Credentials> {
  const operation = OPERATION_API[StsOperation.GetSessionToken];
  try {
    const out = await client.send(new GetSessionTokenCommand({ DurationSeconds: durationSeconds }));
    return credentialsOf(operation, out.Credentials);
  } catch (error) {
    throw wrap(operation, 'getting a session token', error);
  }
}

/** GetFederationToken: credentials for a federated user, limited by the session policy. */
export async function getFederationToken(
  client: STSClient,
  request: SessionPolicy & { name: string; durationSeconds: number },
): Promise<Issued> {
  const operation = OPERATION_API[StsOperation.GetFederationToken];
  try {
    const out = await client.send(
      new GetFederationTokenCommand({
        Name: request.name,
        DurationSeconds: request.durationSeconds,
        ...policyParams(request),
      }),
    );
    return issued(operation, out.Credentials, out.FederatedUser?.Arn);
  } catch (error) {
    throw wrap(operation, `getting a federation token for ${request.name}`, error);
  }
}

export async function getCallerIdentity(client: STSClient): Promise<Identity> {
  const operation = 'GetCallerIdentity';
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (!out.Arn || !out.Account) throw new Error('STS answered without an Arn or Account');
    return { arn: out.Arn, accountId: out.Account };
  } catch (error) {
    throw wrap(operation, 'checking the given keys', error);
  }
}

function credentialsOf(operation: string, creds: StsCredentials | undefined): Credentials {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey)
    throw new Error(`STS ${operation} answered without credentials`);
  return {
    accessKeyId: creds.AccessKeyId,
    secretAccessKey: creds.SecretAccessKey,
    ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}),
    ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
  };
}

function issued(operation: string, creds: StsCredentials | undefined, arn: string | undefined): Issued {
  if (!arn) throw new Error(`STS ${operation} answered without an ARN`);
  return { credentials: credentialsOf(operation, creds), identity: { arn, accountId: accountOf(arn) } };
}

const NO_CREDENTIALS_HINT =
  'There were no credentials to sign with: pass aws-access-key-id and aws-secret-access-key, ' +
  'or run after a step that provides AWS credentials.';

function wrap(operation: string, what: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const detail = classifyAwsError(error);
  const status = detail.status === undefined ? '' : ` (HTTP ${detail.status})`;
  const hint =
    detail.code === 'CredentialsProviderError'
      ? ` ${NO_CREDENTIALS_HINT}`
      : detail.kind === 'tls'
        ? ` ${untrustedTlsHint('STS')}`
        : '';
  return new AwsCallError(
    operation,
    detail,
    `STS ${operation} failed while ${what}: ${detail.code}${status}: ${detail.message}.${hint}`,
  );
}
