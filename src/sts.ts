/**
 * The STS operations, one function each. Each takes its client, returns plain data, and throws an
 * AwsCallError that says what was asked, of whom, and why it failed.
 */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  type STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { AwsCallError, classifyAwsError } from './aws-error';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Absent for long-term keys. */
  expiration?: Date;
}

export interface Identity {
  /** ARN of the principal, e.g. arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions. */
  arn: string;
  accountId: string;
}

export interface Issued {
  credentials: Credentials;
  identity: Identity;
}

export interface RoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
}

export async function assumeRole(client: STSClient, request: RoleRequest): Promise<Issued> {
  const operation = 'AssumeRole';
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds,
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
  const operation = 'AssumeRoleWithWebIdentity';
  try {
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds,
        WebIdentityToken: request.webIdentityToken,
      }),
    );
    return issued(operation, out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (error) {
    throw wrap(operation, `assuming ${request.roleArn} with a web identity token`, error);
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

/** The account id is the fifth field of any IAM or STS ARN. */
export function accountOf(arn: string): string {
  const account = arn.split(':')[4];
  if (account === undefined || !/^\d{12}$/.test(account)) throw new Error(`not an account ARN: ${arn}`);
  return account;
}

function issued(operation: string, creds: StsCredentials | undefined, arn: string | undefined): Issued {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey || !arn) {
    throw new Error(`STS ${operation} answered without credentials or an ARN`);
  }
  return {
    credentials: {
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}),
      ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
    },
    identity: { arn, accountId: accountOf(arn) },
  };
}

function wrap(operation: string, what: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const detail = classifyAwsError(error);
  const status = detail.status === undefined ? '' : ` (HTTP ${detail.status})`;
  return new AwsCallError(
    operation,
    detail,
    `STS ${operation} failed while ${what}: ${detail.code}${status}: ${detail.message}`,
  );
}
