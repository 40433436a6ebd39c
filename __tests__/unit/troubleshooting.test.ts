// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixture is TypeScript source held in strings
/**
 * docs/troubleshooting.md has a section for every message src/ can show, and no section for a message
 * src/ no longer has. What a message is, and what its leading words are, is the rule in messages.ts (read
 * from src/ at test time).
 *
 * A section is a heading (##, ### or ####) that is a `code span`: a message's start, `…` where the
 * message holds a value: ### `AssumeRole refused: … may not assume …`. The heading's own leading words
 * (the same rule) must match the whole of a message's leading words, `…` in the heading standing for any
 * text. Other headings are free prose.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOLE, leadOf, type Message, messagesIn } from './messages';

const GUIDE = path.join(__dirname, '..', '..', 'docs', 'troubleshooting.md');

/**
 * Messages a user never sees, each with the reason. The test fails when one is no longer in src/, so the
 * list cannot outlive its reason.
 */
const NEVER_SHOWN: Record<string, string> = {
  'not retriable':
    'aws/retry.ts tells the SDK to stop retrying by throwing; the SDK then throws the request error',
  'attempts exhausted': 'the same, when retry-max-attempts is reached',
  'deadline reached': 'the same, when the next wait would pass action-timeout-s (the log says so)',
  'No way to ask for a GitHub OIDC token (see idTokenIo)':
    'a guard in aws/web-identity.ts: main gives obtain a token fetcher whenever the plan asks GitHub for one',
};

interface Section {
  line: number;
  heading: string;
  pattern: RegExp;
}

/** Leading words as a pattern: `…` is any text; the rest literal, white space normalised. */
function patternOf(lead: string): RegExp {
  const parts = lead.split(HOLE).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`, 's');
}

function sectionsOf(markdown: string): Section[] {
  const sections: Section[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{2,4} `([^`]+)`\s*$/.exec(line);
    if (!heading) return;
    const text = (heading[1] ?? '').replace(/\s+/g, ' ').trim();
    sections.push({ line: index + 1, heading: text, pattern: patternOf(leadOf(text)) });
  });
  return sections;
}

function uncovered(messages: Message[], sections: Section[]): string[] {
  const shown = messages.filter((m) => !(m.lead in NEVER_SHOWN));
  const missing = shown.filter((m) => !sections.some((s) => s.pattern.test(m.lead)));
  const byLead = new Map<string, string[]>();
  for (const m of missing) byLead.set(m.lead, [...(byLead.get(m.lead) ?? []), m.where]);
  return [...byLead].map(([lead, where]) => `${[...new Set(where)].join(', ')}: ### \`${lead}\``);
}

function stale(messages: Message[], sections: Section[]): string[] {
  return sections
    .filter((s) => !messages.some((m) => s.pattern.test(m.lead)))
    .map((s) => `docs/troubleshooting.md:${s.line}: ${s.heading}`);
}

describe('docs/troubleshooting.md', () => {
  const messages = messagesIn();
  const sections = sectionsOf(fs.readFileSync(GUIDE, 'utf8'));

  test('has a section for every message in src/ (add the heading shown, and what it means and how to fix it)', () => {
    expect(uncovered(messages, sections)).toEqual([]);
  });

  test('has no section for a message src/ no longer has', () => {
    expect(stale(messages, sections)).toEqual([]);
  });

  test('every message said never to be shown is still in src/', () => {
    const leads = new Set(messages.map((m) => m.lead));
    expect(Object.keys(NEVER_SHOWN).filter((lead) => !leads.has(lead))).toEqual([]);
  });
});

describe('the rule that finds messages', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'messages-'));
    fs.writeFileSync(
      path.join(root, 'names.ts'),
      "export enum Input { Region = 'aws-region' }\nexport class InputError extends Error { constructor(readonly input: Input, message: string) { super(message); } }\n",
    );
    fs.writeFileSync(
      path.join(root, 'a.ts'),
      [
        "import { Input, InputError } from './names';",
        "const HINT = 'Try again.';",
        'export function fail(role: string, why: unknown, masked: boolean) {',
        '  const head = `Refused: ${role} may not be assumed.`;',
        '  if (masked) throw new Error(`${head} ${HINT}`);',
        "  if (role === '') throw new InputError(Input.Region, `Input '${Input.Region}' is empty here; set it.`);",
        '  if (why) throw new Error(String(why));',
        "  const which = masked ? 'an account' : `account ${role}`;",
        '  throw new Error(`The keys are for ${which}, which is not allowed; stop.`);',
        '}',
        'export function explainThing(bucket: string): string {',
        '  if (bucket) return `Bucket ${bucket} is gone (looked in it).`;',
        "  return message('x');",
        '}',
        "function message(x: string) { return 'Nothing: ' + x + '.'; }",
        'export function tidy(x: string): string[] {',
        '  const warnings: string[] = [];',
        "  warnings.push('Could not tidy: ' + x);",
        '  warnings.push(`${x}: gone`);',
        '  return warnings;',
        '}',
        'export function report(runner: { warning(m: string): void; setFailed(m: string): void }, e: Error) {',
        '  runner.warning(`Summary not written: ${e.message}`);',
        '  runner.setFailed(e.message);',
        '  runner.setFailed(`${e.name} (HTTP 500): ${e.message}`);',
        '}',
      ].join('\n'),
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('follows consts, calls, branches and enum values, and leaves pass-throughs out', () => {
    const leads = [...new Set(messagesIn(root).map((m) => m.lead))].sort();
    expect(leads).toEqual([
      'Bucket … is gone (looked in it)',
      'Could not tidy',
      "Input 'aws-region' is empty here",
      'Nothing: …',
      'Refused: … may not be assumed',
      'Summary not written',
      'The keys are for account …, which is not allowed',
      'The keys are for an account, which is not allowed',
      '…: gone',
    ]);
  });

  test('a heading covers the messages its leading words match, `…` standing for any text', () => {
    const messages = messagesIn(root);
    const sections = sectionsOf(
      [
        '## Refusals',
        '### `Refused: … may not be assumed. Try again.`',
        '### `The keys are for …, which is not allowed`',
        '### `Gone: …`',
        '```',
        '### `Not a heading: in a code block`',
        '```',
      ].join('\n'),
    );
    expect(
      uncovered(messages, sections)
        .map((line) => line.replace(/^.*?: /, ''))
        .sort(),
    ).toEqual([
      '### `Bucket … is gone (looked in it)`',
      '### `Could not tidy`',
      "### `Input 'aws-region' is empty here`",
      '### `Nothing: …`',
      '### `Summary not written`',
      '### `…: gone`',
    ]);
    expect(stale(messages, sections)).toEqual(['docs/troubleshooting.md:4: Gone: …']);
  });
});
