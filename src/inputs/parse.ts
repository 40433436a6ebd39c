/**
 * Parsers for raw input strings. Each takes the input's name and raw text and returns a value or throws
 * an InputError that names the input; none throws anything else, whatever the string.
 */

import { InputError } from '../errors';
import { Input } from '../names';

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/** YAML 1.2 core-schema booleans, as `core.getBooleanInput` accepts them; '' gives the fallback. */
export function parseBoolean(input: Input, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw InputError.invalid(input, raw, 'true or false');
}

/** A whole number written in decimal digits, within [min, max]; `unit` (default seconds) names what it counts. */
export function parseInteger(
  input: Input,
  raw: string,
  { min, max, unit = 'seconds' }: { min: number; max: number; unit?: string },
): number {
  const expected = `a whole number of ${unit} from ${min} to ${max}`;
  if (!/^\d{1,15}$/.test(raw)) throw InputError.invalid(input, raw, expected);
  const value = Number(raw);
  if (value < min || value > max) throw InputError.invalid(input, raw, expected);
  return value;
}

/** One of a fixed set of strings. */
export function parseChoice<T extends string>(input: Input, raw: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === raw);
  if (found === undefined) throw InputError.invalid(input, raw, `one of ${choices.join(', ')}`);
  return found;
}

/** The raw text if it has the shape in full; the shape's form describes it to a person. */
export function parsePattern(input: Input, raw: string, { pattern, form }: Shape): string {
  if (!pattern.test(raw)) throw InputError.invalid(input, raw, form);
  return raw;
}

/** An http(s) URL with a host, returned as given. */
export function parseEndpoint(input: Input, raw: string): string {
  const form = 'an http:// or https:// URL, e.g. https://sts.eu-west-1.amazonaws.com';
  if (!URL.canParse(raw)) throw InputError.invalid(input, hideUserinfo(raw), form);
  const url = new URL(raw);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw InputError.invalid(input, hideUserinfo(raw), form);
  }
  return raw;
}

/**
 * A URL split around its user information, taken as all before the last '@' (a password may hold '/',
 * '?' or '#' unencoded, which the URL parser misreads); undefined when there is no '@'.
 */
export function splitUserinfo(raw: string): { scheme: string; userinfo: string; rest: string } | undefined {
  const match = /^((?:[a-z][\w+.-]*:)?\/\/)?(.*)@([^@]*)$/is.exec(raw);
  return match ? { scheme: match[1] ?? '', userinfo: match[2] ?? '', rest: match[3] ?? '' } : undefined;
}

/** A URL as it may be shown: the user and password become `***`. */
export function hideUserinfo(raw: string): string {
  const parts = splitUserinfo(raw);
  return parts === undefined ? raw : `${parts.scheme}***@${parts.rest}`;
}

/** An input that must be a JSON object; the error says why it is not, and the allowed `form`. */
export function parseJsonObject(input: Input, raw: string, form: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not JSON';
    throw new InputError(input, `Input '${input}' is not valid JSON (${why}); expected ${form}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw InputError.invalid(input, raw, form);
  return value as Record<string, unknown>;
}

/** A JSON object (an IAM policy document); returned minified as STS wants it. */
export function parsePolicyJson(input: Input, raw: string): string {
  const form = 'an IAM policy document as a JSON object, e.g. {"Version":"2012-10-17","Statement":[...]}';
  const value = parseJsonObject(input, raw, form);
  let packed: string;
  try {
    packed = JSON.stringify(value);
  } catch {
    // JSON.parse takes nesting that JSON.stringify cannot recurse through; no such policy fits anyway.
    throw new InputError(
      input,
      `Input '${input}' is nested too deeply to be a policy; STS allows 2048 characters.`,
    );
  }
  if (packed.length > 2048) {
    throw new InputError(
      input,
      `Input '${input}' is ${packed.length} characters once minified; STS allows 2048.`,
    );
  }
  return packed;
}

/** A list written one item a line or separated by commas (so no item may hold a comma); blanks dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * ARNs one a line or comma-separated. IAM names may hold commas, so a comma separates only where the
 * next ARN begins or a line ends: `arn:aws:iam::123456789012:policy/a,b` stays one ARN (a name ending
 * in a comma cannot be given).
 */
export function parseArnList(raw: string): string[] {
  return raw
    .split(/\n|,(?=[ \t]*arn:)|,[ \t]*(?=\r?\n|$)/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** What an input must look like: the pattern, and the words that describe it to a person. */
export interface Shape {
  pattern: RegExp;
  form: string;
}

export const ROLE_ARN: Shape = {
  pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/,
  form: 'a role ARN, arn:<partition>:iam::<12-digit account>:role/<optional path/><name>',
};

export const ROLE_NAME: Shape = {
  pattern: /^[\w+=,.@-]{1,64}$/,
  form: 'a role name of 1 to 64 letters, digits and +=,.@_-',
};

export const ACCOUNT_ID: Shape = {
  pattern: /^\d{12}$/,
  form: '12-digit AWS account ids separated by commas',
};

export const EXTERNAL_ID: Shape = {
  pattern: /^[\w+=,.@:/-]{2,1224}$/,
  form: '2 to 1224 characters of letters, digits and +=,.@:/_-',
};

export const REGION: Shape = {
  pattern: /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/,
  form: 'an AWS region code such as eu-west-1 or us-gov-west-1',
};

export const SESSION_NAME: Shape = {
  pattern: /^[\w+=,.@-]{2,64}$/,
  form: '2 to 64 characters of letters, digits and +=,.@_-',
};

export const ACCESS_KEY_ID: Shape = {
  pattern: /^[A-Za-z0-9]{16,128}$/,
  form: '16 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE',
};

export const POLICY_ARN: Shape = {
  pattern: /^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
  form: 'policy ARNs, arn:<partition>:iam::<account or aws>:policy/<name>, one a line or comma-separated (at most 10)',
};

export const FEDERATED_USER_NAME: Shape = {
  pattern: /^[\w+=,.@-]{2,32}$/,
  form: '2 to 32 characters of letters, digits and +=,.@_-',
};

export const BUCKET_NAME: Shape = {
  pattern:
    /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(?:-s3alias|--ol-s3|--x-s3)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  form: 'an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit) or s3://bucket/prefix',
};

export const AUDIENCE: Shape = {
  pattern: /^[\x21-\x7e]{1,256}$/,
  form: '1 to 256 printable characters without spaces, e.g. sts.amazonaws.com',
};

/** 1 to 64 characters, none of them whitespace, control characters, brackets or slashes. */
export const PROFILE_NAME: Shape = {
  pattern: /^[^\s\p{Cc}[\]/\\]{1,64}$/u,
  form: '1 to 64 characters without whitespace, brackets or slashes, e.g. ci-deploy',
};

/** A profile name as the section headers of both shared files can hold it; an InputError otherwise. */
export function parseProfileName(raw: string): string {
  return parsePattern(Input.AwsProfile, raw, PROFILE_NAME);
}

/** STS's SourceIdentity: the characters of a session name, so no brackets (as in dependabot[bot]). */
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const SOURCE_IDENTITY_FORM = '2 to 64 characters of letters, digits and +=,.@_-';

/** role-source-identity; a bot's login (brackets) is refused with a word on what to do for bots. */
export function parseSourceIdentity(raw: string): string {
  if (SOURCE_IDENTITY.test(raw)) return raw;
  const bot = /[[\]]/.test(raw)
    ? `; brackets, as in a bot's login such as dependabot[bot], are not allowed: leave ${Input.RoleSourceIdentity} unset for bot-triggered runs (the README shows an expression that does)`
    : '';
  throw InputError.invalid(Input.RoleSourceIdentity, raw, `${SOURCE_IDENTITY_FORM}${bot}`);
}
