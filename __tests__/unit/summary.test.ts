import { explainBucketFailure } from '../../src/aws/explain-bucket';
import { planUnlessKept } from '../../src/inputs/choose';
import { getConfig } from '../../src/inputs/config';
import { Access, type BucketResult, type CheckResult, type GateResult } from '../../src/names';
import { describeExpiry, formatSize, renderSummary, reportOf } from '../../src/runner/summary';
import { scenarios } from '../fixtures/inputs';

const NOW = new Date('2026-11-24T12:00:00Z');
type Objects = BucketResult['objects'];

/** A gate over buckets, each `[bucket, prefix, checks, objects?, truncated?]`. */
function gateOf(...buckets: [string, string, CheckResult[], Objects?, boolean?][]): GateResult {
  const all = buckets.flatMap(([, , checks]) => checks);
  return {
    buckets: buckets.map(([bucket, prefix, checks, objects = [], truncated = false]) => ({
      bucket,
      prefix,
      checks,
      objects,
      truncated,
    })),
    maxKeys: 50,
    required: true,
    failures: all.filter((c) => c.proved === false).map((c) => c.said),
    accessible: all.every((c) => c.proved === true),
  };
}
const listOk: CheckResult = { access: Access.List, proved: true, said: 'Listed.' };
/** One bucket, site under rel/, listed: these objects. */
const listed = (objects: Objects, truncated = false) =>
  gateOf(['site', 'rel/', [listOk], objects, truncated]);
/** One bucket, site under rel/, whose listing failed for `said`. */
const refused = (said: string) => gateOf(['site', 'rel/', [{ access: Access.List, proved: false, said }]]);
const base = {
  operation: 'AssumeRole',
  identityArn: 'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
  accountId: '123456789012',
  maskAccount: false,
  region: 'eu-west-1',
  sessionName: 'GitHubActions',
  expiration: new Date('2026-11-24T12:59:00Z'),
  exportedTo: ['environment'],
  now: NOW,
};

describe('describeExpiry', () => {
  test.each([
    ['2026-11-24T12:59:00Z', '2026-11-24 12:59:00 UTC (in 59 min)'],
    ['2026-11-24T14:05:00Z', '2026-11-24 14:05:00 UTC (in 2 h 5 min)'],
    ['2026-11-24T11:00:00Z', '2026-11-24 11:00:00 UTC (expired)'],
  ])('%s', (at, text) => {
    expect(describeExpiry(new Date(at), NOW)).toBe(text);
  });
});

test.each([
  [0, '0 B'],
  [1023, '1023 B'],
  [1536, '1.5 KiB'],
  [5 * 1024 * 1024, '5.0 MiB'],
])('formatSize(%p)', (bytes, text) => {
  expect(formatSize(bytes)).toBe(text);
});

describe('renderSummary', () => {
  test('credentials only', () => {
    expect(renderSummary(base)).toBe(
      [
        '## AWS credentials',
        '',
        '| | |',
        '| --- | --- |',
        '| Operation | AssumeRole |',
        '| Identity | `arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions` |',
        '| Account | 123456789012 |',
        '| Region | eu-west-1 |',
        '| Session name | GitHubActions |',
        '| Expires | 2026-11-24 12:59:00 UTC (in 59 min) |',
        '| Exported to later steps | yes: environment |',
        '',
      ].join('\n'),
    );
  });

  test('the account is hidden everywhere when masked', () => {
    const gate = refused('refused to arn:aws:sts::123456789012:assumed-role/deploy/x');
    const text = renderSummary({ ...base, maskAccount: true, gate });
    expect(text).not.toContain('123456789012');
    expect(text).toContain('arn:aws:sts::***:assumed-role/deploy/GitHubActions');
  });

  test('keys are escaped for a table cell and at most 10 are shown', () => {
    const objects = Array.from({ length: 12 }, (_, i) => ({ key: `a|b<${i}>`, size: 10, etag: '"e"' }));
    const text = renderSummary({ ...base, gate: listed(objects, true) });
    // In a code span entities are not decoded: < and > are shown as they are; the pipe stays escaped.
    expect(text).toContain('| `a\\|b<0>` | 10 B | `e` |');
    expect(text.split('\n').filter((l) => l.startsWith('| `a'))).toHaveLength(10);
    expect(text).toContain('| Objects listed | 12 (the first 50; more exist) |');
    expect(text).toContain('…and 2 more listed.');
  });

  test.each([
    ['a lone CR', '\r', '\\r'],
    ['CRLF', '\r\n', '\\r\\n'],
    ['LF', '\n', '\\n'],
    ['a line separator', '\u2028', '\\u2028'],
    ['NEL', '\u0085', '\\u0085'],
    ['a right-to-left override', '\u202e', '\\u202e'],
    ['a zero-width space', '\u200b', '\\u200b'],
  ])(
    'a key with %s cannot write markdown of its own into the summary, and shows it escaped',
    (_name, brk, shown) => {
      const key = `x${brk}${brk}## Injected${brk}${brk}[Re-authenticate](https://evil.example/login)`;
      const objects = [{ key, size: 1, etag: `"e${brk}## Also"` }];
      const text = renderSummary({ ...base, gate: listed(objects) });
      // Only the renderer's own line breaks (\n) are left, and every line of the key's row is one row.
      for (const ch of brk.replace('\n', '')) expect(text).not.toContain(ch);
      const row = text.split('\n').find((l) => l.includes('Injected'));
      const twice = `${shown}${shown}`;
      expect(row).toBe(
        `| \`x${twice}## Injected${twice}[Re-authenticate](https://evil.example/login)\` | 1 B | \`e${shown}## Also\` |`,
      );
    },
  );

  test.each([
    ['back`tick', '``back`tick``'],
    ['`starts', '`` `starts ``'],
    ['ends`', '`` ends` ``'],
    ['two``in a row', '```two``in a row```'],
    [' spaced ', '`  spaced  `'],
    ['a|b', '`a\\|b`'],
    ['C:\\new\\file', '`C:\\\\new\\file`'],
  ])('the key %j is a code span that shows it as it is', (key, span) => {
    const objects = [{ key, size: 1, etag: '"e"' }];
    const text = renderSummary({ ...base, gate: listed(objects) });
    expect(text).toContain(`| ${span} | 1 B | \`e\` |`);
  });

  test('a reason is plain text: its backticks, brackets and backslashes show as they are, never as a link', () => {
    const reason = 'S3 said: `x` [Sign in](https://evil.example) a\\b |\r\n## Not a heading <b>';
    const text = renderSummary({ ...base, gate: refused(reason) });
    expect(text).toContain(
      '> S3 said: \\`x\\` \\[Sign in\\](`https://evil.example`) a\\\\b \\|\\\\r\\\\n## Not a heading &lt;b&gt;\n',
    );
  });

  test('with mask-aws-account-id the account is hidden in the bucket, prefix and keys too', () => {
    const objects = [{ key: 'releases/123456789012/app.zip', size: 1, etag: '"e"' }];
    const gate = gateOf(['acct-123456789012-artifacts', 'releases/123456789012/', [listOk], objects]);
    const text = renderSummary({ ...base, maskAccount: true, gate });
    expect(text).not.toContain('123456789012');
    expect(text).toContain('| list | `acct-***-artifacts` | `releases/***/` | ✅ 1 object listed |');
    expect(text).toContain('| `releases/***/app.zip` |');
  });

  test('session credentials kept from an earlier step, expiry unknown', () => {
    const text = renderSummary({ ...base, expiration: 'unknown' });
    expect(text).toContain('| Expires | unknown (session credentials from an earlier step) |');
  });

  test('a source identity is a row of its own after the session name, plain text on one line', () => {
    const sourceIdentity = 'octo|cat [x](https://evil.example) <b>\n## Not a heading';
    const lines = renderSummary({ ...base, sourceIdentity }).split('\n');
    const at = lines.indexOf('| Session name | GitHubActions |');
    expect(lines[at + 1]).toBe(
      '| Source identity | octo\\|cat \\[x\\](`https://evil.example`) &lt;b&gt;\\\\n## Not a heading |',
    );
    expect(lines[at + 2]).toMatch(/^\| Expires \|/);
  });

  test('what GitHub would link without markup (URLs, www., e-mail addresses) is shown as code', () => {
    const sourceIdentity =
      'see https://evil.example/login?x=1, www.evil.example. or mail octo.cat+ci@evil.example!';
    const lines = renderSummary({ ...base, sourceIdentity }).split('\n');
    expect(lines).toContain(
      '| Source identity | see `https://evil.example/login?x=1`, `www.evil.example`. or mail `octo.cat+ci@evil.example`! |',
    );
  });

  test('emphasis marks in a value are shown as they are, never as emphasis', () => {
    const lines = renderSummary({ ...base, sessionName: '_deploy_ **main** ~~x~~' }).split('\n');
    expect(lines).toContain('| Session name | \\_deploy\\_ \\*\\*main\\*\\* \\~\\~x\\~\\~ |');
  });

  test('long-term keys have no expiry and no session name', () => {
    const { sessionName: _s, expiration: _e, ...keys } = base;
    const text = renderSummary({ ...keys, operation: 'keys as given' });
    expect(text).toContain('| Expires | never (long-term keys) |');
    expect(text).not.toContain('Session name');
  });
});

describe('reportOf', () => {
  const issued = {
    credentials: { ...base, accessKeyId: 'ASIAFAKE', secretAccessKey: 'secret', sessionToken: 'token' },
    identity: { arn: base.identityArn, accountId: base.accountId },
  };
  /** The report of a main step that obtained new credentials with these inputs and exported them. */
  function reportFor(inputs: Record<string, string>) {
    const env = {};
    const config = getConfig((name) => inputs[name] ?? '', env);
    const plan = planUnlessKept(config, env);
    return reportOf({ config, plan, issued, gate: undefined, exported: true, fresh: true, env });
  }

  test('role-source-identity: the SourceIdentity AssumeRole was sent, shown beside the session name', () => {
    const report = reportFor({ ...scenarios.keysAndRole, 'role-source-identity': 'octocat' });
    expect(report).toMatchObject({ sessionName: 'GitHubActions', sourceIdentity: 'octocat' });
    expect(renderSummary(report)).toContain(
      '| Session name | GitHubActions |\n| Source identity | octocat |\n',
    );
  });

  test('without role-source-identity there is no source identity row', () => {
    const report = reportFor(scenarios.keysAndRole);
    expect(report.sourceIdentity).toBeUndefined();
    expect(renderSummary(report)).not.toContain('Source identity');
  });
});

describe('explainBucketFailure', () => {
  const facts = {
    bucket: 'site',
    prefix: '',
    principal: 'arn:aws:sts::1:assumed-role/r/s',
    region: 'eu-west-1',
    message: 'm',
  };
  test.each([
    [
      { code: 'AccessDenied', status: 403 },
      'S3 refused to list bucket site to arn:aws:sts::1:assumed-role/r/s: it needs s3:ListBucket on arn:aws:s3:::site. S3 said: AccessDenied: m',
    ],
    [{ code: 'AccessDenied', status: 403, prefix: 'p/' }, 'bucket site under prefix "p/"'],
    [{ code: 'NoSuchBucket', status: 404 }, 'S3 bucket site does not exist (checked in eu-west-1).'],
    [
      { code: 'PermanentRedirect', status: 301, bucketRegion: 'us-west-2' },
      'is in us-west-2, not eu-west-1: set aws-region: us-west-2',
    ],
    [{ code: 'AuthorizationHeaderMalformed', status: 400 }, 'is in another region, not eu-west-1'],
    [{ code: 'UnknownError', status: 301 }, 'is in another region'],
    [{ code: 'InvalidAccessKeyId', status: 403 }, 'did not accept the credentials'],
    [{ code: 'ExpiredToken', status: 400 }, 'invalid or expired'],
    [{ code: 'ECONNREFUSED' }, 'Could not reach S3 to list bucket site: ECONNREFUSED'],
    [{ code: 'InternalError', status: 500 }, 'Listing bucket site failed: InternalError (HTTP 500)'],
  ])('%j', (fault, text) => {
    expect(explainBucketFailure({ ...facts, ...fault })).toContain(text);
  });
});
