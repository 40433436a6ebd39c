/**
 * Session tags for STS AssumeRole: the defaults built from the GitHub environment, as
 * configure-aws-credentials sends them, and the tag inputs. Parsers throw an InputError naming
 * the input and nothing else, whatever the string.
 */
import type { Tag } from '@aws-sdk/client-sts';
import { InputError } from '../errors';
import { Input } from '../names';
import { parseJsonObject, parseList } from './parse';

/** Characters STS allows in session tag keys and values: Unicode letters, separators, digits and _.:/=+-@ */
const TAG_CHARS = '\\p{L}\\p{Z}\\p{N}_.:/=+\\-@';
const TAG_KEY = new RegExp(`^[${TAG_CHARS}]{1,128}$`, 'u');
const TAG_VALUE = new RegExp(`^[${TAG_CHARS}]{0,256}$`, 'u');
const NOT_TAG_CHAR = new RegExp(`[^${TAG_CHARS}]`, 'gu');

const TAG_KEY_FORM = '1 to 128 characters of letters, digits, spaces and _.:/=+-@';
const TAG_VALUE_FORM = 'at most 256 characters of letters, digits, spaces and _.:/=+-@';
const CUSTOM_TAGS_FORM =
  'a JSON object of tag keys to string, number or boolean values, e.g. {"Team":"infra"}';

/** STS accepts at most this many session tags, and as many transitive keys. */
export const MAX_SESSION_TAGS = 50;
/** Longest session tag value STS accepts, in characters. */
export const MAX_TAG_VALUE = 256;

/** The default tags in the order they are sent, each with the environment variable giving its value. */
const DEFAULT_TAG_SOURCES = [
  ['Repository', 'GITHUB_REPOSITORY'],
  ['Workflow', 'GITHUB_WORKFLOW'],
  ['Action', 'GITHUB_ACTION'],
  ['Actor', 'GITHUB_ACTOR'],
  ['Commit', 'GITHUB_SHA'],
  ['Branch', 'GITHUB_REF'],
] as const;

/** Keys of the default tags; custom-tags may not reuse them in any case. */
const PROTECTED_KEYS: ReadonlySet<string> = new Set(
  ['GitHub', ...DEFAULT_TAG_SOURCES.map(([key]) => key)].map((key) => key.toLowerCase()),
);

/** Keys kept when STS finds the packed tags too large. */
const ESSENTIAL_KEYS: ReadonlySet<string> = new Set(['GitHub', 'Repository']);

/**
 * Default tags from the GitHub env: GitHub=Actions, then Repository, Workflow, Action, Actor, Commit and
 * Branch from GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_ACTION, GITHUB_ACTOR, GITHUB_SHA and GITHUB_REF.
 * A tag whose variable is missing or empty is left out; values are sanitised.
 */
export function defaultSessionTags(env: Readonly<Record<string, string | undefined>>): Tag[] {
  const tags: Tag[] = [{ Key: 'GitHub', Value: 'Actions' }];
  for (const [key, name] of DEFAULT_TAG_SOURCES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    tags.push({ Key: key, Value: sanitizeTagValue(value) });
  }
  return tags;
}

/**
 * Makes any string a valid session tag value: every character STS does not allow becomes '_', and the
 * result is cut to 256 characters (whole code points, so no surrogate pair is split).
 */
export function sanitizeTagValue(value: string): string {
  return Array.from(value.replace(NOT_TAG_CHAR, '_')).slice(0, MAX_TAG_VALUE).join('');
}

/**
 * Input 'custom-tags': a JSON object whose values are strings, or numbers and booleans (stringified).
 * Keys must be valid, not reserved (aws:...), not a default tag key and not repeated in another case;
 * values must be valid as given (they are not sanitised). '' gives [].
 */
export function parseCustomTags(raw: string): Tag[] {
  const input = Input.CustomTags;
  if (raw.trim() === '') return [];
  const parsed = parseJsonObject(input, raw, CUSTOM_TAGS_FORM);
  const tags: Tag[] = [];
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    checkCustomKey(key, seen);
    tags.push({ Key: key, Value: customValue(key, value) });
  }
  return tags;
}

/** Throws unless `key` may be a custom tag key; records it in `seen` (lower case to key as given). */
function checkCustomKey(key: string, seen: Map<string, string>): void {
  const input = Input.CustomTags;
  if (!TAG_KEY.test(key)) {
    throw new InputError(
      input,
      `Input '${input}' has an invalid key ${JSON.stringify(key)}; expected ${TAG_KEY_FORM}.`,
    );
  }
  const lower = key.toLowerCase();
  if (lower.startsWith('aws:')) {
    throw new InputError(
      input,
      `Input '${input}' has the key ${JSON.stringify(key)}; keys starting with 'aws:' are reserved by AWS.`,
    );
  }
  if (PROTECTED_KEYS.has(lower)) {
    throw new InputError(
      input,
      `Input '${input}' has the key ${JSON.stringify(key)}, which is a default tag set by the action; ` +
        `pick another key, or set role-skip-session-tagging.`,
    );
  }
  const earlier = seen.get(lower);
  if (earlier !== undefined) {
    throw new InputError(
      input,
      `Input '${input}' has the keys ${JSON.stringify(earlier)} and ${JSON.stringify(key)}; ` +
        'STS treats tag keys that differ only in case as the same key.',
    );
  }
  seen.set(lower, key);
}

/** A custom tag's value as a string; throws for objects, arrays, null and invalid text. */
function customValue(key: string, value: unknown): string {
  const input = Input.CustomTags;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    throw new InputError(
      input,
      `Input '${input}' gives the key ${JSON.stringify(key)} ${kind}; expected a string, number or boolean.`,
    );
  }
  if (!TAG_VALUE.test(text)) {
    throw new InputError(
      input,
      `Input '${input}' has an invalid value for the key ${JSON.stringify(key)}: got ${JSON.stringify(text)}; ` +
        `expected ${TAG_VALUE_FORM}.`,
    );
  }
  return text;
}

/** Input 'transitive-tag-keys': keys one a line or comma-separated, each a valid tag key; at most 50. */
export function parseTransitiveTagKeys(raw: string): string[] {
  const input = Input.TransitiveTagKeys;
  const keys = parseList(raw);
  for (const key of keys) {
    if (!TAG_KEY.test(key)) {
      throw InputError.invalid(input, key, `tag keys of ${TAG_KEY_FORM}, one a line or comma-separated`);
    }
  }
  if (keys.length > MAX_SESSION_TAGS) {
    throw new InputError(
      input,
      `Input '${input}' lists ${keys.length} keys; STS allows at most ${MAX_SESSION_TAGS}.`,
    );
  }
  return keys;
}

/**
 * All tags for a request: the defaults, then the custom tags. Throws if there are more than 50 in all,
 * or if a transitive key names no tag. Transitive keys match tag keys in any case (as STS does) and are
 * returned spelt as the tag's key, without repeats.
 */
export function sessionTags(
  defaults: Tag[],
  custom: Tag[],
  transitive: string[],
): { tags: Tag[]; transitiveTagKeys: string[] } {
  const tags = [...defaults, ...custom];
  if (tags.length > MAX_SESSION_TAGS) {
    const input = Input.CustomTags;
    throw new InputError(
      input,
      `Input '${input}' gives ${custom.length} tags; with the ${defaults.length} default tags that is ` +
        `${tags.length}, and STS allows at most ${MAX_SESSION_TAGS}.`,
    );
  }
  const byLower = new Map<string, string>();
  for (const tag of tags) {
    if (tag.Key !== undefined) byLower.set(tag.Key.toLowerCase(), tag.Key);
  }
  const transitiveTagKeys: string[] = [];
  for (const key of transitive) {
    const found = byLower.get(key.toLowerCase());
    if (found === undefined) {
      const input = Input.TransitiveTagKeys;
      const known = [...byLower.values()].join(', ');
      throw new InputError(
        input,
        `Input '${input}' names the key ${JSON.stringify(key)}, which is not a session tag; the tags are ${known}.`,
      );
    }
    if (!transitiveTagKeys.includes(found)) transitiveTagKeys.push(found);
  }
  return { tags, transitiveTagKeys };
}

/** The tags to keep when STS answers PackedPolicyTooLarge: only the GitHub and Repository defaults. */
export function essentialTags(tags: Tag[]): Tag[] {
  return tags.filter((tag) => tag.Key !== undefined && ESSENTIAL_KEYS.has(tag.Key));
}
