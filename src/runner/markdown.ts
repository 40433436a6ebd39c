/**
 * Text others chose, put in a markdown table cell of the job summary as it is: never a column break, a
 * line break, a link or markup of its own. Pure.
 */
import { visible } from '../text';

/**
 * Text in a table cell: its hidden characters escaped (see visible), as in the log, so that it can
 * neither end the row (a CR is a line break to CommonMark too) nor read as other text; no column break.
 */
function inCell(text: string): string {
  return visible(text).replace(/\|/g, '\\|');
}

/**
 * Plain text in a table cell, shown as it is (hidden characters escaped, see inCell): backslashes,
 * backticks, emphasis marks, brackets and pipes escaped (no code span, no emphasis, no link, no column
 * break of its own), HTML escaped; what would be linked without markup (a URL, an e-mail address) shown
 * as code, which is never linked.
 */
export function cell(text: string): string {
  // A run GitHub's markdown would link by itself (a URL, www., an e-mail address) goes in a code span.
  let shown = '';
  let from = 0;
  for (const match of text.matchAll(AUTOLINK)) {
    if (match.index < from) continue;
    const link = linkPart(match[0]);
    shown += plainCell(text.slice(from, match.index)) + code(link);
    from = match.index + link.length;
  }
  return shown + plainCell(text.slice(from));
}

/**
 * What GitHub's markdown (GFM's autolink extension) makes a link of with no markup: text from http://,
 * https:// or www. to the next space or <, and an e-mail address.
 */
const AUTOLINK = /(?:https?:\/\/|www\.)[^\s<]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/** A match without the trailing punctuation GFM leaves out of a link (and a `)` it does not close). */
function linkPart(run: string): string {
  let link = run;
  const opens = (text: string) => text.split('(').length - text.split(')').length;
  while (/[?!.,:*_~'")]$/.test(link) && (!link.endsWith(')') || opens(link) < 0)) link = link.slice(0, -1);
  return link;
}

function plainCell(text: string): string {
  return visible(text)
    .replace(/[\\`*_~[\]|]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Text as a code span in a table cell, shown as it is (entities and escapes are not decoded there, so
 * none are used but the table's own \|): fenced by more backticks than the text holds in a row, with a
 * space inside each fence where CommonMark would otherwise read the text's own backtick or strip a space.
 */
export function code(text: string): string {
  const inside = inCell(text);
  const longest = Math.max(0, ...(inside.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const spaced = inside.startsWith(' ') && inside.endsWith(' ') && inside.trim() !== '';
  const pad = inside.startsWith('`') || inside.endsWith('`') || spaced ? ' ' : '';
  return `${fence}${pad}${inside}${pad}${fence}`;
}
