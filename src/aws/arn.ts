/**
 * ARNs, read in one place: `arn:<partition>:<service>:<region>:<account>:<resource>`. Pure and total:
 * a text that is no ARN gives undefined (or false), never an exception, unless the caller asks for one.
 */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** The fields of an ARN; undefined when the text has fewer than six colon-separated fields. */
export function parseArn(text: string): Arn | undefined {
  const match = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/s.exec(text);
  if (!match) return undefined;
  const [, partition = '', service = '', region = '', account = '', resource = ''] = match;
  return { partition, service, region, account, resource };
}

/** The account id of an IAM or STS ARN; throws when it has none (a principal always has one). */
export function accountOf(arn: string): string {
  const account = parseArn(arn)?.account;
  if (account === undefined || !/^\d{12}$/.test(account)) throw new Error(`not an account ARN: ${arn}`);
  return account;
}

/** Whether two ARNs name the same account. */
export function sameAccount(a: string, b: string): boolean {
  const first = parseArn(a);
  return first !== undefined && first.account === parseArn(b)?.account;
}

/** The partition of an ARN (aws, aws-cn, aws-us-gov ...), `aws` when the text is no ARN. */
export function partitionOf(arn: string): string {
  return parseArn(arn)?.partition || 'aws';
}

/** The ARN of a role by name, in the partition and account of another ARN (the caller's). */
export function roleArnIn(arn: string, roleName: string): string {
  return `arn:${partitionOf(arn)}:iam::${accountOf(arn)}:role/${roleName}`;
}

/** A role's name: the last part of its path (`role/path/name` -> `name`). */
export function roleNameOf(roleArn: string): string {
  return roleArn.split('/').pop() ?? roleArn;
}

/** The principal a trust policy names for a caller: an assumed-role session is its role. */
export function principalOf(callerArn: string): string {
  const arn = parseArn(callerArn);
  const isSession = arn?.service === 'sts' && arn.region === '' && /^\d{12}$/.test(arn.account);
  const session = isSession ? /^assumed-role\/([^/]+)\/.+$/.exec(arn.resource) : null;
  return arn && session ? `arn:${arn.partition}:iam::${arn.account}:role/${session[1]}` : callerArn;
}

/** The account root a trust policy may name for a caller. */
export function accountRootOf(callerArn: string): string {
  const arn = parseArn(callerArn);
  return `arn:${arn?.partition || 'aws'}:iam::${arn?.account ?? ''}:root`;
}

/** The account ids of every ARN in a text (a refusal names the role and the caller). */
export function accountsIn(text: string): string[] {
  return [...text.matchAll(/arn:[^:\s]*:[^:\s]*:[^:\s]*:(\d{12}):/g)].map((m) => m[1] ?? '');
}
