/**
 * The `profiles` input: several roles in one step, each written as a named profile of the shared AWS files.
 * One `NAME = ROLE` a line; blank lines and `#` comments are allowed. Every line is checked here, before any
 * request, and an error names the line. Pure.
 */
import { InputError } from '../errors';
import { Input, StsOperation } from '../names';
import { PROFILE_NAME, ROLE_ARN, ROLE_NAME } from './parse';

/** At most this many profiles in one step (a role per profile, requested at once). */
export const MAX_PROFILES = 10;

/** One line of `profiles`: the profile's name, its role, and the line it is on (1 for the first). */
export interface ProfileEntry {
  name: string;
  /** By ARN, or by name in the account of the credentials that assume it (a RoleRef, see plan.ts). */
  role: { arn: string } | { name: string };
  line: number;
}

const LINE_FORM = 'a profile name, "=" and a role, e.g. app = arn:aws:iam::123456789012:role/deploy';

/** The profiles, in the order given; an InputError naming the first line that is not right. */
export function parseProfiles(raw: string): ProfileEntry[] {
  const entries: ProfileEntry[] = [];
  for (const [index, text] of raw.split(/\r?\n/).entries()) {
    const line = index + 1;
    // A comment is a `#` at the start of a line or after white space (a profile name may hold one).
    const content = text.replace(/(?:^|\s)#.*$/s, '').trim();
    if (content === '') continue;
    const entry = parseLine(content, line);
    const earlier = entries.find((each) => each.name === entry.name);
    if (earlier !== undefined) {
      throw new InputError(
        Input.Profiles,
        `${onLine(line)} repeats profile ${JSON.stringify(entry.name)} of line ${earlier.line}: each profile is named once.`,
      );
    }
    if (entries.length === MAX_PROFILES) {
      throw new InputError(
        Input.Profiles,
        `${onLine(line)} is profile ${MAX_PROFILES + 1}, one too many: at most ${MAX_PROFILES} profiles can be written ` +
          'in one step; write the others in a second step.',
      );
    }
    entries.push(entry);
  }
  if (entries.length === 0) {
    throw new InputError(
      Input.Profiles,
      `Input '${Input.Profiles}' names no profile: every line is blank or a comment; expected ${LINE_FORM}.`,
    );
  }
  return entries;
}

function parseLine(content: string, line: number): ProfileEntry {
  const equals = content.indexOf('=');
  if (equals === -1)
    throw new InputError(
      Input.Profiles,
      `${onLine(line)} is not NAME = ROLE: got ${JSON.stringify(content)}; expected ${LINE_FORM}.`,
    );
  const name = content.slice(0, equals).trim();
  const role = content.slice(equals + 1).trim();
  if (!PROFILE_NAME.pattern.test(name)) {
    throw new InputError(
      Input.Profiles,
      `${onLine(line)} has an invalid profile name: got ${JSON.stringify(name)}; expected ${PROFILE_NAME.form}.`,
    );
  }
  if (ROLE_NAME.pattern.test(role)) return { name, role: { name: role }, line };
  if (ROLE_ARN.pattern.test(role)) return { name, role: { arn: role }, line };
  throw new InputError(
    Input.Profiles,
    `${onLine(line)} has an invalid role: got ${JSON.stringify(role)}; expected ${ROLE_ARN.form}, or a role name.`,
  );
}

/** How an error about one line of `profiles` starts: `Input 'profiles' line 3`. */
export function onLine(line: number): string {
  return `Input '${Input.Profiles}' line ${line}`;
}

/** The inputs `profiles` is checked against (a Config has them all). */
export interface Companions {
  profiles?: ProfileEntry[];
  roleArn?: string;
  roleName?: string;
  operation: StsOperation;
  profile?: { name: string };
  verify?: object;
  outputEnvCredentials: boolean;
  outputCredentials: boolean;
  useExistingCredentials: boolean;
}

/**
 * Inputs that cannot go with `profiles`, or only with role-to-assume too; and a profile name that aws-profile
 * names as well. role-to-assume, when given, is obtained and exported as it is without profiles.
 */
export function checkCompanions(config: Companions): void {
  const { profiles, operation } = config;
  if (profiles === undefined) return;
  if (operation === StsOperation.GetSessionToken || operation === StsOperation.GetFederationToken) {
    throw new InputError(
      Input.StsOperation,
      `Input '${Input.StsOperation}' (${operation}) cannot obtain the roles of profiles: they are assumed ` +
        'with AssumeRole or AssumeRoleWithWebIdentity. Remove sts-operation, or write the profiles in another step.',
    );
  }
  if (config.useExistingCredentials) {
    throw new InputError(
      Input.UseExistingCredentials,
      `Input '${Input.UseExistingCredentials}' cannot be used with profiles: it keeps credentials already in ` +
        'the environment, and the profiles are new ones every time. Use it in a step of its own.',
    );
  }
  const clash = profiles.find((entry) => entry.name === config.profile?.name);
  if (clash !== undefined) {
    throw new InputError(
      Input.Profiles,
      `${onLine(clash.line)} names profile ${JSON.stringify(clash.name)}, the profile of role-to-assume too ` +
        `(aws-profile, or refresh-credentials' ${JSON.stringify(clash.name)}): give each profile one name.`,
    );
  }
  if (config.roleArn !== undefined || config.roleName !== undefined) return;
  const alone = (input: Input, why: string) =>
    new InputError(input, `Input '${input}' needs role-to-assume, and profiles was given without it: ${why}`);
  if (config.verify !== undefined)
    throw alone(
      Input.VerifyBucket,
      'the bucket is checked with the credentials of role-to-assume only. Add role-to-assume, or check the ' +
        'bucket in a later step with `aws --profile NAME s3 ls`.',
    );
  if (config.profile !== undefined)
    throw alone(
      Input.AwsProfile,
      "aws-profile names the profile of role-to-assume's credentials. Name every profile in profiles instead.",
    );
  if (config.outputEnvCredentials)
    throw alone(
      Input.OutputEnvCredentials,
      'with profiles alone nothing is exported to the AWS_* variables (each step picks its profile). ' +
        'Remove output-env-credentials, or add role-to-assume for the variables.',
    );
  if (config.outputCredentials)
    throw alone(
      Input.OutputCredentials,
      "the credential outputs are role-to-assume's; the profiles output says who each profile is. " +
        'Remove output-credentials, or add role-to-assume.',
    );
}
