import type { Tag } from '@aws-sdk/client-sts';
import { InputError } from '../../src/errors';
import {
  defaultSessionTags,
  essentialTags,
  parseCustomTags,
  parseTransitiveTagKeys,
  sanitizeTagValue,
  sessionTags,
} from '../../src/inputs/tags';

const FULL_ENV = {
  GITHUB_REPOSITORY: 'octo/repo',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_ACTION: '__run_2',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF: 'refs/heads/main',
};

const DEFAULTS = defaultSessionTags(FULL_ENV);
/** n custom tags named K0, K1, ... */
const customN = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `K${i}`, Value: 'v' }));

describe('defaultSessionTags', () => {
  test.each<[string, Record<string, string | undefined>, Tag[]]>([
    [
      'full env',
      FULL_ENV,
      [
        { Key: 'GitHub', Value: 'Actions' },
        { Key: 'Repository', Value: 'octo/repo' },
        { Key: 'Workflow', Value: 'CI' },
        { Key: 'Action', Value: '__run_2' },
        { Key: 'Actor', Value: 'octocat' },
        { Key: 'Commit', Value: '0123456789abcdef0123456789abcdef01234567' },
        { Key: 'Branch', Value: 'refs/heads/main' },
      ],
    ],
    [
      'partial env: missing and empty are left out',
      { GITHUB_REPOSITORY: 'octo/repo', GITHUB_WORKFLOW: '', GITHUB_ACTOR: undefined, GITHUB_SHA: 'abc' },
      [
        { Key: 'GitHub', Value: 'Actions' },
        { Key: 'Repository', Value: 'octo/repo' },
        { Key: 'Commit', Value: 'abc' },
      ],
    ],
    ['empty env', {}, [{ Key: 'GitHub', Value: 'Actions' }]],
    [
      'values are sanitised',
      { GITHUB_WORKFLOW: 'Build & test (ci)', GITHUB_REF: 'refs/heads/feat/x#1' },
      [
        { Key: 'GitHub', Value: 'Actions' },
        { Key: 'Workflow', Value: 'Build _ test _ci_' },
        { Key: 'Branch', Value: 'refs/heads/feat/x_1' },
      ],
    ],
  ])('%s', (_name, env, expected) => {
    expect(defaultSessionTags(env)).toEqual(expected);
  });
});

describe('sanitizeTagValue', () => {
  test.each([
    ['branch with #', 'refs/heads/feat/x#1', 'refs/heads/feat/x_1'],
    ['allowed punctuation kept', 'a_b.c:d/e=f+g-h@i j', 'a_b.c:d/e=f+g-h@i j'],
    ['unicode letters and digits kept', 'Ünïcødé-日本語-٣', 'Ünïcødé-日本語-٣'],
    ['other characters replaced one each', 'a*b?c!"\'$%&()', 'a_b_c________'],
    ['an emoji is one character', 'x🚀y', 'x_y'],
    ['tabs and newlines replaced', 'a\tb\nc', 'a_b_c'],
    ['300 characters cut to 256', 'a'.repeat(300), 'a'.repeat(256)],
    ['256 characters kept', 'b'.repeat(256), 'b'.repeat(256)],
    ['cut by characters, not UTF-16 units', '𝒳'.repeat(300), '𝒳'.repeat(256)],
    ['empty', '', ''],
  ])('%s', (_name, value, expected) => {
    expect(sanitizeTagValue(value)).toBe(expected);
  });
});

describe('parseCustomTags: accepted', () => {
  test.each<[string, string, Tag[]]>([
    ['empty string', '', []],
    ['empty object', '{}', []],
    [
      'strings',
      '{"Team":"infra","Cost Center":"cc-42"}',
      [
        { Key: 'Team', Value: 'infra' },
        { Key: 'Cost Center', Value: 'cc-42' },
      ],
    ],
    [
      'numbers and booleans stringified',
      '{"n":42,"f":1.5,"neg":-3,"yes":true,"no":false}',
      [
        { Key: 'n', Value: '42' },
        { Key: 'f', Value: '1.5' },
        { Key: 'neg', Value: '-3' },
        { Key: 'yes', Value: 'true' },
        { Key: 'no', Value: 'false' },
      ],
    ],
    ['empty value', '{"k":""}', [{ Key: 'k', Value: '' }]],
    [
      'all allowed characters',
      '{"a_.:/=+-@ 1":"Ü_.:/=+-@ 9"}',
      [{ Key: 'a_.:/=+-@ 1', Value: 'Ü_.:/=+-@ 9' }],
    ],
    ['128-character key', `{"${'k'.repeat(128)}":"v"}`, [{ Key: 'k'.repeat(128), Value: 'v' }]],
    ['256-character value', `{"k":"${'v'.repeat(256)}"}`, [{ Key: 'k', Value: 'v'.repeat(256) }]],
    ['aws inside a key is fine', '{"myaws:key":"v"}', [{ Key: 'myaws:key', Value: 'v' }]],
    ['a default key as a prefix is fine', '{"GitHubOrg":"octo"}', [{ Key: 'GitHubOrg', Value: 'octo' }]],
  ])('%s', (_name, raw, expected) => {
    expect(parseCustomTags(raw)).toEqual(expected);
  });
});

describe('parseCustomTags: refused, naming the input', () => {
  test.each([
    ['not JSON', '{Team: infra}', 'not valid JSON'],
    ['an array', '["a","b"]', 'JSON object'],
    ['a string', '"Team"', 'JSON object'],
    ['null', 'null', 'JSON object'],
    ['a number', '42', 'JSON object'],
    ['an object value', '{"k":{"a":1}}', 'an object'],
    ['an array value', '{"k":[1]}', 'an array'],
    ['a null value', '{"k":null}', 'null'],
    ['an empty key', '{"":"v"}', '1 to 128'],
    ['a 129-character key', `{"${'k'.repeat(129)}":"v"}`, '1 to 128'],
    ['a key with a bad character', '{"a#b":"v"}', '1 to 128'],
    ['a 257-character value', `{"k":"${'v'.repeat(257)}"}`, 'at most 256'],
    ['a value with a bad character', '{"k":"a*b"}', 'at most 256'],
    ['a reserved aws: key', '{"aws:foo":"v"}', 'reserved'],
    ['a reserved AWS: key in capitals', '{"AWS:Foo":"v"}', 'reserved'],
    ['protected GitHub', '{"GitHub":"v"}', 'default tag'],
    ['protected Repository', '{"Repository":"v"}', 'default tag'],
    ['protected Workflow', '{"Workflow":"v"}', 'default tag'],
    ['protected Action', '{"Action":"v"}', 'default tag'],
    ['protected Actor', '{"Actor":"v"}', 'default tag'],
    ['protected Commit', '{"Commit":"v"}', 'default tag'],
    ['protected Branch', '{"Branch":"v"}', 'default tag'],
    ['protected, another case', '{"branch":"v"}', 'default tag'],
    ['keys that differ only in case', '{"Team":"a","team":"b"}', 'differ only in case'],
  ])('%s: %s', (_name, raw, form) => {
    const attempt = () => parseCustomTags(raw);
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow("Input 'custom-tags'");
    expect(attempt).toThrow(form);
  });

  test('the bad value is shown', () => {
    expect(() => parseCustomTags('{"k":"a*b"}')).toThrow('"a*b"');
  });
});

describe('parseTransitiveTagKeys', () => {
  test.each<[string, string, string[]]>([
    ['empty', '', []],
    ['one a line', 'Repository\nTeam\n', ['Repository', 'Team']],
    ['commas', 'Repository, Team,Cost Center', ['Repository', 'Team', 'Cost Center']],
    ['lines and commas, blanks dropped', 'A,\n\n B ,,C\n', ['A', 'B', 'C']],
    [
      '50 keys',
      customN(50)
        .map((t) => t.Key)
        .join(','),
      customN(50).map((t) => t.Key ?? ''),
    ],
  ])('%s', (_name, raw, expected) => {
    expect(parseTransitiveTagKeys(raw)).toEqual(expected);
  });

  test.each([
    ['a key with a bad character', 'Team,a#b', 'tag keys of 1 to 128'],
    ['a 129-character key', 'k'.repeat(129), 'tag keys of 1 to 128'],
    [
      '51 keys',
      customN(51)
        .map((t) => t.Key)
        .join('\n'),
      'at most 50',
    ],
  ])('refused: %s', (_name, raw, form) => {
    const attempt = () => parseTransitiveTagKeys(raw);
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow("Input 'transitive-tag-keys'");
    expect(attempt).toThrow(form);
  });
});

describe('sessionTags', () => {
  test.each<[string, Tag[], Tag[], string[], { tags: Tag[]; transitiveTagKeys: string[] }]>([
    ['defaults only', DEFAULTS, [], [], { tags: DEFAULTS, transitiveTagKeys: [] }],
    [
      'defaults then custom, transitive keys from both',
      DEFAULTS,
      [{ Key: 'Team', Value: 'infra' }],
      ['Team', 'Repository'],
      { tags: [...DEFAULTS, { Key: 'Team', Value: 'infra' }], transitiveTagKeys: ['Team', 'Repository'] },
    ],
    [
      'transitive keys match in any case, spelt as the tag, without repeats',
      DEFAULTS,
      [{ Key: 'Team', Value: 'infra' }],
      ['team', 'TEAM', 'repository'],
      { tags: [...DEFAULTS, { Key: 'Team', Value: 'infra' }], transitiveTagKeys: ['Team', 'Repository'] },
    ],
    [
      '50 tags in all',
      DEFAULTS,
      customN(50 - DEFAULTS.length),
      [],
      { tags: [...DEFAULTS, ...customN(50 - DEFAULTS.length)], transitiveTagKeys: [] },
    ],
  ])('%s', (_name, defaults, custom, transitive, expected) => {
    expect(sessionTags(defaults, custom, transitive)).toEqual(expected);
  });

  test.each<[string, Tag[], Tag[], string[], string, string]>([
    ['51 tags in all', DEFAULTS, customN(51 - DEFAULTS.length), [], 'custom-tags', 'at most 50'],
    ['51 custom tags alone', [], customN(51), [], 'custom-tags', 'at most 50'],
    [
      'a transitive key not among the tags',
      DEFAULTS,
      [],
      ['Team'],
      'transitive-tag-keys',
      'not a session tag',
    ],
    [
      'a transitive key of a default that is not set',
      defaultSessionTags({}),
      [],
      ['Branch'],
      'transitive-tag-keys',
      'not a session tag',
    ],
  ])('refused: %s', (_name, defaults, custom, transitive, input, form) => {
    const attempt = () => sessionTags(defaults, custom, transitive);
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(`Input '${input}'`);
    expect(attempt).toThrow(form);
  });
});

describe('essentialTags', () => {
  test.each<[string, Tag[], Tag[]]>([
    [
      'keeps GitHub and Repository only',
      [...DEFAULTS, { Key: 'Team', Value: 'infra' }],
      [
        { Key: 'GitHub', Value: 'Actions' },
        { Key: 'Repository', Value: 'octo/repo' },
      ],
    ],
    ['without Repository', defaultSessionTags({}), [{ Key: 'GitHub', Value: 'Actions' }]],
    ['no tags', [], []],
  ])('%s', (_name, tags, expected) => {
    expect(essentialTags(tags)).toEqual(expected);
  });
});
