/**
 * Text others chose (S3 keys, what a server answered), made visible: every character that prints as
 * nothing, as a space, or that changes how the text around it reads, is written as an escape. One
 * function, so the log and the job summary show such text alike.
 */

/**
 * Controls (a CR, which the log and markdown take as a line break, included), format characters (zero-width
 * ones, bidi overrides and isolates, the BOM, tags), line and paragraph separators, spaces other than
 * U+0020, lone surrogates, private-use and unassigned code points, and the Hangul fillers, which are
 * letters that print as nothing.
 */
const HIDDEN = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\u115f\u1160\u3164\uffa0]$/u;

const hidden = (char: string) => char !== ' ' && HIDDEN.test(char);

const SHORT: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

function escaped(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  return SHORT[char] ?? (code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`);
}

/**
 * `text` with hidden characters escaped (`\r`, `\u202e`, `\u{e0041}`). A backslash is doubled only where
 * it would otherwise read as the start of an escape (before `\`, `r`, `n`, `t`, `u` or an escaped
 * character), so two different texts never look the same, and most backslashes stay as they are.
 */
export function visible(text: string): string {
  const chars = [...text];
  return chars
    .map((char, i) => {
      if (hidden(char)) return escaped(char);
      if (char !== '\\') return char;
      const next = chars[i + 1];
      return next !== undefined && (/^[\\rntu]$/.test(next) || hidden(next)) ? '\\\\' : '\\';
    })
    .join('');
}
