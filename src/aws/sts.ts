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
import { AwsCallError, classifyAwsError, describeFailure } from './classify';
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
    Policy: policy,
    PolicyArns: policyArns.length === 0 ? undefined : policyArns.map((arn) => ({ arn })),
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
        ExternalId: request.externalId,
        SourceIdentity: request.sourceIdentity,
        Tags: request.tags?.length ? request.tags : undefined,
        TransitiveTagKeys: request.transitiveTagKeys?.length ? request.transitiveTagKeys : undefined,
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
    sessionToken: creds.SessionToken || undefined,
    expiration: creds.Expiration,
  };
}

function issued(operation: string, creds: StsCredentials | undefined, arn: string | undefined): Issued {
  if (!arn) throw new Error(`STS ${operation} answered without an ARN`);
  return { credentials: credentialsOf(operation, creds), identity: { arn, accountId: accountOf(arn) } };
}

const NO_CREDENTIALS_HINT =
  'There were no credentials to sign with: pass aws-access-key-id and aws-secret-access-key, ' +
  'or run after a step that provides AWS credentials.';

/** One line, one full stop (and a hint's own): what was asked, and what went wrong, in plain words. */
function wrap(operation: string, what: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const detail = classifyAwsError(error, 'STS');
  const hint =
    detail.code === 'CredentialsProviderError'
      ? ` ${NO_CREDENTIALS_HINT}`
      : detail.kind === 'tls'
        ? ` ${untrustedTlsHint('STS')}`
        : '';
  return new AwsCallError(
    operation,
    detail,
    `STS ${operation} failed while ${what}: ${describeFailure(detail)}.${hint}`,
  );
}
