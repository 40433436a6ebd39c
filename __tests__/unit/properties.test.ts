/**
 * Property-based tests of the input parsers: any string in gives a value or a clear error, never an exception.
 * A clear error is an InputError whose message names its input (`Input '<name>'`); anything else thrown
 * (TypeError, RangeError, SyntaxError, a plain Error) fails the property.
 */
import fc from 'fast-check';
import { InputError } from '../../src/errors';
import { planBatch } from '../../src/inputs/batch';
import { choosePlan, planUnlessKept } from '../../src/inputs/choose';
import { type Config, getConfig } from '../../src/inputs/config';
import { withEnvFallback } from '../../src/inputs/env';
import { ROLE_DURATION, TOKEN_DURATION } from '../../src/inputs/fields';
import {
  ACCESS_KEY_ID,
  ACCOUNT_ID,
  AUDIENCE,
  BUCKET_NAME,
  EXTERNAL_ID,
  FEDERATED_USER_NAME,
  POLICY_ARN,
  parseBoolean,
  parseChoice,
  parseEndpoint,
  parseInteger,
  parseList,
  parsePattern,
  parsePolicyJson,
  parseProfileName,
  parseSourceIdentity,
  REGION,
  ROLE_ARN,
  ROLE_NAME,
  SESSION_NAME,
  type Shape,
} from '../../src/inputs/parse';
import {
  defaultSessionTags,
  MAX_SESSION_TAGS,
  MAX_TAG_VALUE,
  parseCustomTags,
  parseTransitiveTagKeys,
  sanitizeTagValue,
} from '../../src/inputs/tags';
import { Input, StsOperation } from '../../src/names';
import { profileFiles } from '../../src/profile/profile';
import { KEYS, ROLE, reader, scenarios } from '../fixtures/inputs';

const RUNS = 300;
const run = <T extends unknown[]>(property: fc.IProperty<T>, numRuns = RUNS) =>
  fc.assert(property, { numRuns });

const ENV = { GITHUB_WORKSPACE: '/ws', GITHUB_REPOSITORY: 'o/r' } as const;
const OIDC_ENV = { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/req' } as const;
const ALL_INPUTS = Object.values(Input);
const INPUT_NAMES: ReadonlySet<string> = new Set(ALL_INPUTS);

type Outcome<T> = { ok: true; value: T } | { ok: false; error: InputError };

/**
 * Runs `f`: its value, or the InputError it threw. Anything else thrown, an InputError naming an input that
 * is not in `inputs`, or one whose message does not name its input, is rethrown so the property fails.
 */
function attempt<T>(f: () => T, inputs: readonly Input[] = ALL_INPUTS): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    if (!(error instanceof InputError)) {
      const kind = error instanceof Error ? error.constructor.name : typeof error;
      throw new Error(`threw ${kind}, not an InputError: ${String(error)}`);
    }
    if (!INPUT_NAMES.has(error.input) || !inputs.includes(error.input)) {
      throw new Error(`InputError for unexpected input ${JSON.stringify(error.input)}: ${error.message}`);
    }
    if (!error.message.includes(`Input '${error.input}'`)) {
      throw new Error(`InputError message does not name Input '${error.input}': ${error.message}`);
    }
    return { ok: false, error };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Arbitrary strings

/** Characters that break naive parsers: controls, separators, quotes, unicode spaces, BOM, RTL mark... */
const NASTY_CHARS = [
  ...Array.from(
    '\u0000\u0007\b\t\n\r\v\f\u001b\u007f\u0085\u00a0\u1680\u2028\u2029\u200b\u200f\u202e\u3000\ufeff\ufffd' +
      ' ,:/\\[]{}"\'`$%@=+-_.09aZéßİ٣𝟘😀',
  ),
  '\ud800',
  '\udfff',
];
const nastyChar = fc.constantFrom(...NASTY_CHARS);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Short strings of every kind: ASCII, any code point, graphemes, nasty characters, lone surrogates, JSON. */
const shortString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: nastyChar }),
  fc.string({ unit: fc.oneof(nastyChar, loneSurrogate, fc.string({ unit: 'binary', maxLength: 1 })) }),
  fc.json(),
);

/** Long strings (up to 5000 UTF-16 units), made by repeating a short one; the cut may split a surrogate pair. */
const longString = fc
  .tuple(shortString, fc.integer({ min: 65, max: 5000 }))
  .map(([s, n]) => (s === '' ? 'a' : s).repeat(Math.ceil(n / Math.max(1, s.length))).slice(0, n));

/** Any string: short, long, or a valid-looking value with junk around it. */
const anyString = (...near: fc.Arbitrary<string>[]) =>
  fc.oneof(
    { arbitrary: shortString, weight: 4 },
    { arbitrary: longString, weight: 1 },
    ...near.map((arbitrary) => ({ arbitrary, weight: 2 })),
    ...near.map((valid) => ({
      arbitrary: fc.tuple(shortString, valid, shortString).map(([a, v, b]) => a + v + b),
      weight: 1,
    })),
  );

// ---------------------------------------------------------------------------------------------------------
// 1. Each parser: a value with its invariant, or an InputError naming the input.

describe('parse.ts: any string gives a value or an InputError naming the input', () => {
  test('parseBoolean returns a boolean, true exactly for true/True/TRUE, the fallback for ""', () => {
    const near = fc.constantFrom('true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yes', 'on', '1', 'tRUE');
    run(
      fc.property(anyString(near), fc.boolean(), (raw, fallback) => {
        const out = attempt(
          () => parseBoolean(Input.OutputCredentials, raw, fallback),
          [Input.OutputCredentials],
        );
        if (!out.ok) return;
        expect(typeof out.value).toBe('boolean');
        if (raw === '') expect(out.value).toBe(fallback);
        else expect(out.value).toBe(['true', 'True', 'TRUE'].includes(raw));
      }),
    );
  });

  const ranges = fc.oneof(
    fc.constantFrom<[number, number]>(
      [ROLE_DURATION.min, ROLE_DURATION.max],
      [TOKEN_DURATION.min, TOKEN_DURATION.max],
      [1, 100],
      [1, 1000],
      [1, 21600],
    ),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]),
  );

  test('parseInteger returns a whole number in [min, max] spelt by the raw digits', () => {
    const near = fc.oneof(
      fc.stringMatching(/^\d{1,18}$/),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('0x10', '1e3', '3600.0', '+3600', '-1', ' 3600', '٣٦٠٠', 'Infinity', 'NaN', '1_000'),
    );
    run(
      fc.property(anyString(near), ranges, (raw, [min, max]) => {
        const out = attempt(
          () => parseInteger(Input.RoleDurationSeconds, raw, { min, max }),
          [Input.RoleDurationSeconds],
        );
        if (!out.ok) return;
        expect(Number.isSafeInteger(out.value)).toBe(true);
        expect(out.value).toBeGreaterThanOrEqual(min);
        expect(out.value).toBeLessThanOrEqual(max);
        expect(raw).toMatch(/^[0-9]+$/);
        // Leading zeros are accepted ('03600' is 3600); otherwise the text is exactly the number.
        expect(String(out.value)).toBe(raw.replace(/^0+(?=[0-9])/, ''));
      }),
    );
  });

  test('parseInteger accepts String(n) for every n in [min, max], as n', () => {
    run(
      fc.property(
        ranges.chain(([min, max]) => fc.tuple(fc.constant([min, max] as const), fc.integer({ min, max }))),
        ([[min, max], n]) => {
          expect(parseInteger(Input.VerifyMaxKeys, String(n), { min, max, unit: 'keys' })).toBe(n);
        },
      ),
    );
  });

  test('parseChoice returns the raw text when it is one of the choices', () => {
    const choices = Object.values(StsOperation);
    run(
      fc.property(anyString(fc.constantFrom(...choices, 'Auto', 'assume_role')), (raw) => {
        const out = attempt(() => parseChoice(Input.StsOperation, raw, choices), [Input.StsOperation]);
        if (!out.ok) return;
        expect(out.value).toBe(raw);
        expect(choices).toContain(out.value);
      }),
    );
  });

  const PATTERNS: [Input, Shape, fc.Arbitrary<string>][] = [
    [Input.AwsRegion, REGION, fc.stringMatching(REGION.pattern)],
    [Input.RoleToAssume, ROLE_ARN, fc.stringMatching(ROLE_ARN.pattern)],
    [Input.RoleToAssume, ROLE_NAME, fc.stringMatching(ROLE_NAME.pattern)],
    [Input.AllowedAccountIds, ACCOUNT_ID, fc.stringMatching(ACCOUNT_ID.pattern)],
    [Input.RoleExternalId, EXTERNAL_ID, fc.stringMatching(/^[\w+=,.@:/-]{2,40}$/)],
    [Input.RoleSessionName, SESSION_NAME, fc.stringMatching(SESSION_NAME.pattern)],
    [Input.AwsAccessKeyId, ACCESS_KEY_ID, fc.stringMatching(ACCESS_KEY_ID.pattern)],
    [Input.ManagedSessionPolicies, POLICY_ARN, fc.stringMatching(POLICY_ARN.pattern)],
    [Input.FederatedUserName, FEDERATED_USER_NAME, fc.stringMatching(FEDERATED_USER_NAME.pattern)],
    [Input.VerifyBucket, BUCKET_NAME, fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)],
    [Input.Audience, AUDIENCE, fc.stringMatching(AUDIENCE.pattern)],
  ];

  test.each(PATTERNS)(
    'parsePattern(%s, %o) returns the raw text only when it matches',
    (input, shape, valid) => {
      run(
        fc.property(anyString(valid), (raw) => {
          const out = attempt(() => parsePattern(input, raw, shape), [input]);
          expect(out.ok).toBe(shape.pattern.test(raw));
          if (out.ok) expect(out.value).toBe(raw);
        }),
      );
    },
  );

  test('parseSourceIdentity returns the raw text only when it is 2-64 of A-Za-z0-9_+=,.@-', () => {
    const allowed = (raw: string) =>
      raw.length >= 2 && raw.length <= 64 && [...raw].every((c) => /^[A-Za-z0-9_+=,.@-]$/.test(c));
    const login = fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/);
    run(
      fc.property(
        anyString(
          login,
          login.map((name) => `${name}[bot]`),
        ),
        (raw) => {
          const out = attempt(() => parseSourceIdentity(raw), [Input.RoleSourceIdentity]);
          expect(out.ok).toBe(allowed(raw));
          if (out.ok) expect(out.value).toBe(raw);
          else expect(out.error.message).toContain('2 to 64 characters of letters, digits and +=,.@_-');
        },
      ),
    );
  });

  test('parseEndpoint returns the raw text of an http(s) URL with a host', () => {
    const near = fc.oneof(
      fc.webUrl({
        validSchemes: ['http', 'https', 'ftp', 'file'],
        withQueryParameters: true,
        withFragments: true,
      }),
      fc.constantFrom(
        'https://',
        'http://:80',
        'https:host',
        'file:///etc/passwd',
        'http://[::1]:4566',
        'HTTPS://X',
      ),
    );
    run(
      fc.property(anyString(near), (raw) => {
        const out = attempt(() => parseEndpoint(Input.StsEndpoint, raw), [Input.StsEndpoint]);
        if (!out.ok) return;
        expect(out.value).toBe(raw);
        const url = new URL(raw);
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.hostname).not.toBe('');
      }),
    );
  });

  const jsonObject = fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o, null, 2));

  test('parsePolicyJson returns minified JSON of an object, at most 2048 characters, unchanged by a second pass', () => {
    run(
      fc.property(anyString(fc.json(), jsonObject), (raw) => {
        const out = attempt(
          () => parsePolicyJson(Input.InlineSessionPolicy, raw),
          [Input.InlineSessionPolicy],
        );
        if (!out.ok) return;
        expect(out.value.length).toBeLessThanOrEqual(2048);
        const value: unknown = JSON.parse(out.value);
        expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
        expect(out.value).toBe(JSON.stringify(JSON.parse(raw)));
        expect(parsePolicyJson(Input.InlineSessionPolicy, out.value)).toBe(out.value);
      }),
    );
  });

  /** JSON nested `depth` levels deep, inside an object: {"a":[[[...]]]} or {"a":{"a":{...}}}. */
  const deepJson = (depth: number, arrays: boolean) =>
    arrays
      ? `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  test('parsePolicyJson: nesting up to 1000 deep gives a value or an InputError', () => {
    run(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.boolean(), (depth, arrays) => {
        attempt(
          () => parsePolicyJson(Input.InlineSessionPolicy, deepJson(depth, arrays)),
          [Input.InlineSessionPolicy],
        );
      }),
      100,
    );
  });

  // Found by this property: JSON.stringify of deeply nested JSON (about 4000 levels on node 20) overflowed
  // the stack and threw a RangeError, not an InputError. src/parse.ts now turns that into an InputError.
  test('parsePolicyJson: deeply nested JSON gives a value or an InputError', () => {
    run(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.boolean(), (depth, arrays) => {
        attempt(
          () => parsePolicyJson(Input.InlineSessionPolicy, deepJson(depth, arrays)),
          [Input.InlineSessionPolicy],
        );
      }),
      50,
    );
  });

  test('parseList gives trimmed, non-empty items without commas or newlines, each found in the raw text', () => {
    const near = fc.array(fc.string({ unit: nastyChar }), { maxLength: 8 }).map((items) => items.join(','));
    run(
      fc.property(anyString(near), (raw) => {
        const items = parseList(raw);
        const bad = items.filter(
          (item) => item !== item.trim() || item === '' || /[\n,]/.test(item) || !raw.includes(item),
        );
        expect(bad).toEqual([]);
        expect(items.length).toBeLessThanOrEqual(raw.split(/[\n,]/).length);
        expect(parseList(items.join('\n'))).toEqual(items);
      }),
    );
  });
});

/** What STS allows in tag values, as the tags module defines it. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const codePoints = (s: string) => Array.from(s).length;

describe('tags.ts: any string gives a value or an InputError naming the input', () => {
  test('sanitizeTagValue gives a valid tag value of at most 256 code points; valid values are kept', () => {
    run(
      fc.property(anyString(fc.string({ unit: 'grapheme' })), (raw) => {
        const value = sanitizeTagValue(raw);
        expect(value).toMatch(TAG_VALUE);
        expect(codePoints(value)).toBeLessThanOrEqual(MAX_TAG_VALUE);
        expect(value.isWellFormed()).toBe(true);
        expect(sanitizeTagValue(value)).toBe(value);
        if (TAG_VALUE.test(raw) && codePoints(raw) <= MAX_TAG_VALUE) expect(value).toBe(raw);
      }),
    );
  });

  test('defaultSessionTags from any GitHub env gives valid tags', () => {
    const envValue = fc.option(anyString(), { nil: undefined });
    const env = fc.record({
      GITHUB_REPOSITORY: envValue,
      GITHUB_WORKFLOW: envValue,
      GITHUB_ACTION: envValue,
      GITHUB_ACTOR: envValue,
      GITHUB_SHA: envValue,
      GITHUB_REF: envValue,
    });
    run(
      fc.property(env, (e) => {
        const tags = defaultSessionTags(e);
        expect(tags[0]).toEqual({ Key: 'GitHub', Value: 'Actions' });
        for (const tag of tags) {
          expect(tag.Key).toMatch(TAG_KEY);
          expect(tag.Value).toMatch(TAG_VALUE);
          expect(codePoints(tag.Value ?? '')).toBeLessThanOrEqual(MAX_TAG_VALUE);
        }
      }),
    );
  });

  const tagKey = fc.oneof(
    fc.stringMatching(/^[\w.:/=+@-]{1,12}$/),
    fc.constantFrom(
      'Team',
      'team',
      'aws:x',
      'AWS:Y',
      'GitHub',
      'repository',
      'Commit',
      '__proto__',
      'constructor',
    ),
    fc.string({ unit: nastyChar, maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const tagValue = fc.oneof(
    fc.string({ unit: nastyChar, maxLength: 10 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    fc.string({ minLength: 250, maxLength: 260 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue(),
  );
  const customTagsJson = fc.oneof(
    fc.dictionary(tagKey, tagValue, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
    fc.array(fc.tuple(tagKey, tagValue), { maxLength: 8 }).map(
      // Written by hand so that keys may repeat (JSON.parse keeps the last).
      (pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    ),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  );

  test('parseCustomTags gives string keys and values that STS accepts, keys unique in any case', () => {
    run(
      fc.property(anyString(customTagsJson), (raw) => {
        const out = attempt(() => parseCustomTags(raw), [Input.CustomTags]);
        if (!out.ok) return;
        const lower = new Set<string>();
        for (const tag of out.value) {
          expect(typeof tag.Key).toBe('string');
          expect(typeof tag.Value).toBe('string');
          const key = tag.Key ?? '';
          expect(key).toMatch(TAG_KEY);
          expect(tag.Value).toMatch(TAG_VALUE);
          expect(codePoints(tag.Value ?? '')).toBeLessThanOrEqual(MAX_TAG_VALUE);
          expect(key.toLowerCase().startsWith('aws:')).toBe(false);
          expect(lower.has(key.toLowerCase())).toBe(false);
          lower.add(key.toLowerCase());
        }
        if (raw.trim() === '') expect(out.value).toEqual([]);
      }),
    );
  });

  test('parseTransitiveTagKeys gives at most 50 valid tag keys', () => {
    const near = fc
      .array(fc.oneof(tagKey, fc.constant(' ')), { maxLength: 60 })
      .chain((keys) => fc.constantFrom(keys.join(','), keys.join('\n'), keys.join(' ,\n')));
    run(
      fc.property(anyString(near), (raw) => {
        const out = attempt(() => parseTransitiveTagKeys(raw), [Input.TransitiveTagKeys]);
        if (!out.ok) return;
        expect(out.value.length).toBeLessThanOrEqual(MAX_SESSION_TAGS);
        for (const key of out.value) expect(key).toMatch(TAG_KEY);
        expect(out.value).toEqual(parseList(raw));
      }),
    );
  });
});

describe('profile.ts', () => {
  test('parseProfileName returns 1 to 64 code points without whitespace, controls, brackets or slashes', () => {
    run(
      fc.property(anyString(fc.stringMatching(/^[\w.@+-]{1,64}$/)), (raw) => {
        const out = attempt(() => parseProfileName(raw), [Input.AwsProfile]);
        if (!out.ok) return;
        expect(out.value).toBe(raw);
        expect(codePoints(raw)).toBeGreaterThanOrEqual(1);
        expect(codePoints(raw)).toBeLessThanOrEqual(64);
        expect(raw).not.toMatch(/[\s\p{Cc}[\]/\\]/u);
      }),
    );
  });

  test('profileFiles gives two absolute paths for any HOME and file variables', () => {
    const value = fc.option(anyString(fc.constantFrom('~', '~/x', '~\\x', '/abs', 'rel/x')), {
      nil: undefined,
    });
    run(
      fc.property(
        fc.record({ HOME: value, AWS_SHARED_CREDENTIALS_FILE: value, AWS_CONFIG_FILE: value }),
        (env) => {
          const files = profileFiles(env);
          expect(files.credentialsFile.startsWith('/')).toBe(true);
          expect(files.configFile.startsWith('/')).toBe(true);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// 2. Round trips through getConfig.

describe('getConfig round trips', () => {
  const config = (inputs: Record<string, string>) => getConfig(reader(inputs), ENV);

  test('role-duration-seconds String(n) gives durationSeconds n, for n in [900, 43200]', () => {
    run(
      fc.property(fc.integer({ min: ROLE_DURATION.min, max: ROLE_DURATION.max }), (n) => {
        expect(config({ ...scenarios.oidc, 'role-duration-seconds': String(n) }).durationSeconds).toBe(n);
      }),
    );
  });

  test('role-duration-seconds up to 129600 with get-session-token', () => {
    run(
      fc.property(fc.integer({ min: TOKEN_DURATION.min, max: TOKEN_DURATION.max }), (n) => {
        const inputs = { ...scenarios.keysOnly, 'sts-operation': 'get-session-token' };
        expect(config({ ...inputs, 'role-duration-seconds': String(n) }).durationSeconds).toBe(n);
      }),
    );
  });

  test('role-duration-seconds outside [900, 43200] is an InputError naming it', () => {
    const outside = fc.oneof(fc.integer({ min: 0, max: 899 }), fc.integer({ min: 43201, max: 10 ** 15 }));
    run(
      fc.property(outside, (n) => {
        const out = attempt(() => config({ ...scenarios.oidc, 'role-duration-seconds': String(n) }));
        expect(out.ok).toBe(false);
        if (!out.ok) expect(out.error.input).toBe(Input.RoleDurationSeconds);
      }),
    );
  });

  test('a valid role-session-name is kept unchanged', () => {
    run(
      fc.property(fc.stringMatching(SESSION_NAME.pattern), (name) => {
        expect(config({ ...scenarios.oidc, 'role-session-name': name }).sessionName).toBe(name);
      }),
    );
  });

  test('a valid region, role ARN, external id and profile name are kept unchanged', () => {
    run(
      fc.property(
        fc.stringMatching(REGION.pattern),
        fc.stringMatching(ROLE_ARN.pattern),
        fc.stringMatching(/^[\w+=,.@:/-]{2,100}$/),
        fc.stringMatching(/^[\w.@+=-]{1,64}$/),
        (region, role, externalId, profile) => {
          const got = config({
            ...scenarios.oidc,
            'aws-region': region,
            'role-to-assume': role,
            'role-external-id': externalId,
            'aws-profile': profile,
          });
          expect(got.region).toBe(region);
          expect(ROLE_NAME.pattern.test(role) ? got.roleName : got.roleArn).toBe(role);
          expect(got.externalId).toBe(externalId);
          expect(got.profile?.name).toBe(profile);
        },
      ),
    );
  });

  test('retry-max-attempts, verify-max-keys and action-timeout-s round-trip', () => {
    run(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 21600 }),
        (attempts, maxKeys, timeout) => {
          const got = config({
            ...scenarios.oidc,
            'retry-max-attempts': String(attempts),
            'verify-bucket': 'my-bucket',
            'verify-max-keys': String(maxKeys),
            'action-timeout-s': String(timeout),
          });
          expect(got.retry.maxAttempts).toBe(attempts);
          expect(got.verify?.maxKeys).toBe(maxKeys);
          expect(got.timeoutMs).toBe(timeout * 1000);
        },
      ),
    );
  });

  // POLICY_ARN allows ',' in a policy name and path (as IAM does); the list splits at a comma only where
  // the next ARN begins or a line ends, so every valid ARN round-trips, commas and all, except one that
  // ends in a comma (read as a separator).
  test('allowed-account-ids and managed-session-policies lists keep their items', () => {
    run(
      fc.property(
        fc.array(fc.stringMatching(ACCOUNT_ID.pattern), { maxLength: 10 }),
        fc.array(
          fc.stringMatching(POLICY_ARN.pattern).filter((arn) => !arn.endsWith(',')),
          { maxLength: 10 },
        ),
        fc.constantFrom(',', '\n', ' , ', '\n\n'),
        (ids, arns, separator) => {
          const got = config({
            ...scenarios.oidc,
            'allowed-account-ids': ids.join(separator),
            'managed-session-policies': arns.join(separator),
          });
          expect(got.allowedAccountIds).toEqual(ids);
          expect(got.managedPolicyArns).toEqual(arns);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// 3. The whole of getConfig, then choosePlan.

/** Values each input takes in real workflows (and a few near misses), so that runs get past the first checks. */
const PLAUSIBLE: Record<Input, fc.Arbitrary<string>> = {
  [Input.AwsRegion]: fc.oneof(
    fc.constantFrom('eu-west-1', 'us-gov-west-1', 'cn-north-1'),
    fc.stringMatching(REGION.pattern),
  ),
  [Input.RoleToAssume]: fc.constantFrom(
    ROLE,
    'deploy',
    'arn:aws-cn:iam::123456789012:role/path/to/x',
    'arn:aws:s3:::b',
  ),
  [Input.AwsAccessKeyId]: fc.constantFrom(KEYS['aws-access-key-id'], 'AKIA-SHORT'),
  [Input.AwsSecretAccessKey]: fc.constant(KEYS['aws-secret-access-key']),
  [Input.AwsSessionToken]: fc.constantFrom('FwoGZXIvYXdzEXAMPLETOKEN'),
  [Input.RoleSessionName]: fc.oneof(fc.stringMatching(SESSION_NAME.pattern), fc.constant('a')),
  [Input.RoleDurationSeconds]: fc.integer({ min: 0, max: 130000 }).map(String),
  [Input.Audience]: fc.constantFrom('sts.amazonaws.com', 'sts.amazonaws.com.cn', 'has space'),
  [Input.WebIdentityTokenFile]: fc.constantFrom('token.jwt', '/abs/token', '../up/token'),
  [Input.StsEndpoint]: fc.constantFrom(
    'https://sts.eu-west-1.amazonaws.com',
    'http://localhost:4566',
    'ftp://x',
  ),
  [Input.StsOperation]: fc.constantFrom(...Object.values(StsOperation)),
  [Input.OutputCredentials]: fc.constantFrom('true', 'false'),
  [Input.FederatedUserName]: fc.stringMatching(FEDERATED_USER_NAME.pattern),
  [Input.InlineSessionPolicy]: fc.oneof(
    fc.constant('{"Version":"2012-10-17","Statement":[]}'),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  ),
  [Input.ManagedSessionPolicies]: fc.constantFrom(
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'arn:aws:iam::aws:policy/A\narn:aws:iam::123456789012:policy/path/B',
  ),
  [Input.VerifyBucket]: fc.constantFrom(
    'my-bucket',
    's3://my-bucket/logs/',
    's3://my-bucket',
    's3://my-bucket/logs/\nother-bucket',
    'xn--bad',
    'a..b',
  ),
  [Input.VerifyPrefix]: fc.constantFrom('logs/', 'a'.repeat(1025)),
  [Input.VerifyAccess]: fc.constantFrom('list', 'list,read,write', 'write', 'read', ' , ', 'put'),
  [Input.VerifyMaxKeys]: fc.integer({ min: 0, max: 1001 }).map(String),
  [Input.VerifyRequired]: fc.constantFrom('true', 'false'),
  [Input.S3Endpoint]: fc.constantFrom('https://s3.eu-west-1.amazonaws.com', 'http://127.0.0.1:9000'),
  [Input.JobSummary]: fc.constantFrom('true', 'false'),
  [Input.MaskAwsAccountId]: fc.constantFrom('true', 'false'),
  [Input.AwsProfile]: fc.constantFrom('ci', 'default', 'with space', '[x]'),
  [Input.OverwriteAwsProfile]: fc.constantFrom('true', 'false'),
  [Input.RefreshCredentials]: fc.constantFrom('true', 'false', 'yes'),
  [Input.Profiles]: fc.constantFrom(
    'app = arn:aws:iam::123456789012:role/deploy',
    '# two\nnetwork = deploy\n\napp=arn:aws:iam::210987654321:role/path/x',
    'ci = deploy\nci = other',
    'a = b = c',
    'no role here',
  ),
  [Input.RoleChaining]: fc.constantFrom('true', 'false'),
  [Input.RoleExternalId]: fc.stringMatching(/^[\w+=,.@:/-]{1,30}$/),
  [Input.RoleSourceIdentity]: fc.oneof(
    fc.stringMatching(/^[\w+=,.@-]{2,64}$/),
    fc.constantFrom('octocat', 'dependabot[bot]', 'a'),
  ),
  [Input.RoleSkipSessionTagging]: fc.constantFrom('true', 'false'),
  [Input.TransitiveTagKeys]: fc.constantFrom('Repository', 'team', 'GitHub\nTeam', 'Nope'),
  [Input.CustomTags]: fc.constantFrom(
    '{"Team":"infra"}',
    '{"Cost":42,"On":true}',
    '{"repository":"x"}',
    '[]',
  ),
  [Input.OutputEnvCredentials]: fc.constantFrom('true', 'false'),
  [Input.UnsetCurrentCredentials]: fc.constantFrom('true', 'false'),
  [Input.UseExistingCredentials]: fc.constantFrom('true', 'false'),
  [Input.AllowedAccountIds]: fc.constantFrom('123456789012', '123456789012, 210987654321', '1234'),
  [Input.SpecialCharactersWorkaround]: fc.constantFrom('true', 'false'),
  [Input.ForceSkipOidc]: fc.constantFrom('true', 'false'),
  [Input.DisableRetry]: fc.constantFrom('true', 'false'),
  [Input.RetryMaxAttempts]: fc.integer({ min: 0, max: 101 }).map(String),
  [Input.ActionTimeoutS]: fc.integer({ min: 0, max: 21601 }).map(String),
  [Input.HttpProxy]: fc.constantFrom('http://proxy:3128', 'https://user:pw@proxy.example:8443'),
  [Input.NoProxy]: fc.constantFrom('localhost,.internal', 'a , b', 'a b'),
};

/** Every input: mostly absent, else a plausible value (or near miss). */
const mostlyPlausible = fc.record(
  Object.fromEntries(
    ALL_INPUTS.map((input) => [
      input,
      fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary: PLAUSIBLE[input], weight: 1 }),
    ]),
  ) as Record<Input, fc.Arbitrary<string>>,
);

/** Inputs that make a run succeed often: a valid region and something to do. */
const withBase = fc
  .tuple(
    mostlyPlausible,
    fc.constantFrom(scenarios.oidc, scenarios.keysAndRole, scenarios.keysOnly, scenarios.tokenFile),
  )
  .map(([inputs, base]) => ({ ...inputs, ...base }));

/** Every input mapped to an arbitrary string. */
const allArbitrary = fc.record(
  Object.fromEntries(ALL_INPUTS.map((input) => [input, anyString(PLAUSIBLE[input])])) as Record<
    Input,
    fc.Arbitrary<string>
  >,
);

/** A base scenario with 1 to 4 inputs replaced by arbitrary strings. */
const fewArbitrary = fc
  .tuple(
    fc.constantFrom(scenarios.oidc, scenarios.keysAndRole, scenarios.keysOnly, scenarios.tokenFile),
    fc.dictionary(fc.constantFrom(...ALL_INPUTS), anyString(), { minKeys: 1, maxKeys: 4 }),
  )
  .map(([base, overrides]) => ({ ...base, ...overrides }));

describe('getConfig and choosePlan: any inputs give a Config/Plan or an InputError naming an input', () => {
  const whole = (inputs: Record<string, string>) => {
    const out = attempt((): Config => getConfig(reader(inputs), ENV));
    if (!out.ok) return out;
    for (const env of [
      ENV,
      OIDC_ENV,
      { ...OIDC_ENV, AWS_ACCESS_KEY_ID: 'AKIA0000', AWS_SECRET_ACCESS_KEY: 's' },
    ]) {
      const plan = attempt(() => choosePlan(out.value, env));
      if (plan.ok)
        expect(plan.value.kind).toMatch(
          /^(assume-role|assume-role-with-web-identity|static-keys|get-session-token|get-federation-token)$/,
        );
      // With profiles: every role in one batch, or an InputError before any request.
      const batch = attempt(() => planBatch(out.value, env, planUnlessKept(out.value, env)));
      const roles = out.value.profiles?.length ?? 0;
      if (batch.ok && roles > 0) expect(batch.value?.targets.length).toBeGreaterThanOrEqual(roles);
    }
    return out;
  };

  test('every input an arbitrary string', () => {
    run(fc.property(allArbitrary, (inputs) => void whole(inputs)));
  });

  test('a valid scenario with a few inputs arbitrary', () => {
    run(fc.property(fewArbitrary, (inputs) => void whole(inputs)));
  });

  test('plausible inputs and near misses over a valid scenario (some runs get a Config)', () => {
    let configs = 0;
    run(
      fc.property(withBase, (inputs) => {
        if (whole(inputs).ok) configs++;
      }),
      500,
    );
    expect(configs).toBeGreaterThan(0);
  });

  test('environment fallbacks: arbitrary env values for inputs and endpoints', () => {
    const envValue = fc.option(anyString(), { nil: undefined });
    const env = fc.record({
      ROLE_SESSION_NAME: envValue,
      ROLE_DURATION_SECONDS: envValue,
      CUSTOM_TAGS: envValue,
      AWS_ENDPOINT_URL: envValue,
      AWS_ENDPOINT_URL_STS: envValue,
      AWS_ENDPOINT_URL_IAM: envValue,
      HTTPS_PROXY: envValue,
      NO_PROXY: envValue,
      GITHUB_WORKSPACE: envValue,
      GITHUB_REPOSITORY: envValue,
      GITHUB_REF: envValue,
    });
    run(
      fc.property(env, fc.constantFrom(scenarios.oidc, scenarios.keysAndRole), (e, inputs) => {
        const out = attempt(() => getConfig(reader(inputs), e));
        if (out.ok) attempt(() => choosePlan(out.value, { ...e, ...OIDC_ENV }));
      }),
    );
  });

  test('withEnvFallback: an input given wins; secrets, aws-profile, profiles and the proxy pair never come from the env', () => {
    run(
      fc.property(fc.constantFrom(...ALL_INPUTS), anyString(), anyString(), (input, given, fromEnv) => {
        const envName = input.toUpperCase().replace(/-/g, '_');
        const read = withEnvFallback(reader({ [input]: given }), { [envName]: fromEnv });
        const noFallback = [
          Input.AwsAccessKeyId,
          Input.AwsSecretAccessKey,
          Input.AwsSessionToken,
          Input.AwsProfile,
          Input.Profiles,
          Input.HttpProxy,
          Input.NoProxy,
        ];
        const expected = given.trim() !== '' || noFallback.includes(input) ? given.trim() : fromEnv.trim();
        expect(read(input)).toBe(expected);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// 4. Secrets are never echoed.

describe('secrets never echoed', () => {
  const secret = fc.oneof(
    fc.string({ minLength: 8 }),
    fc.string({ minLength: 8, unit: 'binary' }),
    fc.string({ minLength: 8, unit: nastyChar }),
    fc.string({ minLength: 8, unit: fc.constantFrom(' ', '\t', 'A', 'z', '0', '/', '+', '=') }),
    longString,
  );
  const messageOf = (inputs: Record<string, string>) => {
    const out = attempt(() => getConfig(reader(inputs), ENV));
    return out.ok ? undefined : out.error.message;
  };
  /** The messages the key checks can give, whatever the secret: s inside them is no leak. */
  const TEMPLATES = (
    [
      { 'aws-access-key-id': '#'.repeat(8), 'aws-secret-access-key': 'x' },
      { 'aws-access-key-id': '', 'aws-secret-access-key': 'x' },
      { 'aws-access-key-id': 'x', 'aws-secret-access-key': '' },
      { 'aws-session-token': 'x' },
    ] as Record<string, string>[]
  ).map((keys) => messageOf({ ...scenarios.oidc, ...keys }) ?? '');
  const trivial = (s: string) => TEMPLATES.some((template) => template.includes(s));

  test('an arbitrary aws-access-key-id (with a secret key) is not in the error message', () => {
    run(
      fc.property(secret, fc.constantFrom(scenarios.oidc, scenarios.keysAndRole), (s, base) => {
        const trimmed = s.trim();
        fc.pre(!trivial(s) && (trimmed === '' || !trivial(trimmed)));
        const message = messageOf({ ...base, 'aws-access-key-id': s, 'aws-secret-access-key': 'x' });
        if (message === undefined) {
          expect(trimmed).toMatch(ACCESS_KEY_ID.pattern);
          return;
        }
        expect(message).not.toContain(s);
        if (trimmed !== '') expect(message).not.toContain(trimmed);
      }),
    );
  });

  test('any mix of given and missing key id, secret key and session token: none of them is echoed', () => {
    const maybe = fc.oneof(fc.constant(''), secret);
    run(
      fc.property(maybe, maybe, maybe, fc.boolean(), (id, key, token, withRole) => {
        const values = [id, key, token].map((v) => v.trim()).filter((v) => v !== '');
        fc.pre(values.every((v) => !trivial(v)));
        const base = withRole ? scenarios.oidc : { 'aws-region': 'eu-west-1' };
        const message = messageOf({
          ...base,
          'aws-access-key-id': id,
          'aws-secret-access-key': key,
          'aws-session-token': token,
        });
        for (const value of values) expect(message ?? '').not.toContain(value);
      }),
    );
  });
});
