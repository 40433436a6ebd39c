import fc from 'fast-check';
import { visible } from '../../src/text';

/** Reads visible()'s escapes back: the test's own inverse, to show that no two texts look the same. */
function readBack(shown: string): string {
  return shown.replace(/\\(\\|r|n|t|u\{([0-9a-f]+)\}|u([0-9a-f]{4}))/g, (whole, what, astral, bmp) => {
    if (what === '\\') return '\\';
    if (what === 'r') return '\r';
    if (what === 'n') return '\n';
    if (what === 't') return '\t';
    const code = Number.parseInt(astral ?? bmp, 16);
    return Number.isNaN(code) ? whole : String.fromCodePoint(code);
  });
}

describe('visible', () => {
  test.each([
    ['cr\rkey', 'cr\\rkey'],
    ['a\r\nb\tc', 'a\\r\\nb\\tc'],
    ['rlo\u202efdp.exe', 'rlo\\u202efdp.exe'],
    ['zw\u200bsp', 'zw\\u200bsp'],
    ['isolate\u2066x\u2069', 'isolate\\u2066x\\u2069'],
    ['bom\ufeff', 'bom\\ufeff'],
    ['nbsp\u00a0x', 'nbsp\\u00a0x'],
    ['nel\u0085', 'nel\\u0085'],
    ['soft\u00adhyphen', 'soft\\u00adhyphen'],
    ['tag\u{e0041}', 'tag\\u{e0041}'],
    ['lone\ud800', 'lone\\ud800'],
    ['hangul\u3164filler', 'hangul\\u3164filler'],
  ])('%j shows as %j', (text, shown) => {
    expect(visible(text)).toBe(shown);
  });

  test.each(['plain/key.txt', 'back`tick', 'a b', 'Ünïcödé 日本語 😀', 'C:\\dir\\file', '::warning::x'])(
    '%j shows as it is',
    (text) => {
      expect(visible(text)).toBe(text);
    },
  );

  test.each([
    ['C:\\new', 'C:\\\\new'],
    ['\\u202e as text', '\\\\u202e as text'],
    ['\\\\', '\\\\\\'],
    ['a\\\u202e', 'a\\\\\\u202e'],
    ['ends\\', 'ends\\'],
  ])('a backslash that would read as an escape is doubled: %j', (text, shown) => {
    expect(visible(text)).toBe(shown);
  });

  test('what it shows holds no hidden character, and reads back as the text: no two texts look alike', () => {
    const char = fc.oneof(
      fc.constantFrom('\\', 'u', 'r', 'n', '\r', '\u202e'),
      fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    );
    const text = fc.string({ unit: char });
    fc.assert(
      fc.property(text, (s) => {
        const shown = visible(s);
        expect(shown).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0]/u);
        expect(readBack(shown)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});
