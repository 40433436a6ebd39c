/**
 * The shared AWS files as text: sections found, put and cut, every other byte kept. Pure: no file is
 * read or written here (see files.ts).
 */
import type { Credentials } from '../names';

const HEADER = /^\s*\[([^\]]+)\]\s*$/;
const COMMENT = /^\s*[#;]/;

/** The config file's section name: `default`, or `profile <name>` for any other profile. */
export function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/** The credentials section's lines after its header; the expiry as a comment the clients ignore. */
export function credentialLines(credentials: Credentials): string[] {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  for (const value of [accessKeyId, secretAccessKey, sessionToken]) {
    if (value !== undefined && /[\r\n]/.test(value)) throw new Error('AWS credentials contain a line break.');
  }
  return [
    ...(expiration ? [`# expires ${expiration.toISOString()}`] : []),
    `aws_access_key_id = ${accessKeyId}`,
    `aws_secret_access_key = ${secretAccessKey}`,
    ...(sessionToken ? [`aws_session_token = ${sessionToken}`] : []),
  ];
}

export interface Line {
  /** The line without its line break. */
  content: string;
  /** Offset of the line's first character in the file text. */
  start: number;
  /** Offset just past the line's line break (or the end of the text). */
  end: number;
}

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    lines.push({ content: text.slice(start, end).replace(/\r?\n$/, ''), start, end });
    start = end;
  }
  return lines;
}

/** A header line's section name, trimmed and with inner runs of whitespace as one space. */
export function headerName(content: string): string | undefined {
  const name = HEADER.exec(content)?.[1]?.trim();
  return name === undefined ? undefined : name.split(/\s+/).join(' ');
}

/**
 * Where the first section named `name` is: from its header to the end of its last line that is neither blank
 * nor a comment. Blank lines and comments after that stay in the file: they usually belong to what follows.
 */
export function findSection(text: string, name: string): { start: number; end: number } | undefined {
  const lines = splitLines(text);
  const at = lines.findIndex((line) => headerName(line.content) === name);
  const header = lines[at];
  if (header === undefined) return undefined;
  let end = header.end;
  for (const line of lines.slice(at + 1)) {
    if (headerName(line.content) !== undefined) break;
    if (line.content.trim() !== '' && !COMMENT.test(line.content)) end = line.end;
  }
  return { start: header.start, end };
}

/** The file's line break: CRLF if it already uses it, else LF. */
export function lineBreak(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** What goes between a file's text and an appended section so that one blank line separates them. */
export function separatorFor(text: string): string {
  const eol = lineBreak(text);
  const last = splitLines(text).at(-1);
  if (last === undefined) return '';
  if (last.end === last.start + last.content.length) return eol + eol;
  return last.content.trim() === '' ? '' : eol;
}

/** The text with the section replaced in place (and its previous text), or appended (and what went before it). */
export function putSection(
  text: string,
  name: string,
  lines: string[],
): { text: string; previous?: string; separator?: string } {
  const eol = lineBreak(text);
  const section = [`[${name}]`, ...lines].map((line) => line + eol).join('');
  const found = findSection(text, name);
  if (found) {
    return {
      text: text.slice(0, found.start) + section + text.slice(found.end),
      previous: text.slice(found.start, found.end),
    };
  }
  const separator = separatorFor(text);
  return { text: text + separator + section, separator };
}

/** The text without the section and, when it is given and there, the separator written before it. */
export function cutSection(text: string, found: { start: number; end: number }, separator = ''): string {
  let before = text.slice(0, found.start);
  if (separator !== '' && before.endsWith(separator)) before = before.slice(0, -separator.length);
  return before + text.slice(found.end);
}

/** Keys whose values in a profile section are secret (the access key id is masked like the env's). */
const SECRET_SETTINGS = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
];

/** The secret values a section's text holds (keys, tokens), to mask before it is saved anywhere. */
export function secretValues(text: string): string[] {
  const secrets: string[] = [];
  for (const { content } of splitLines(text)) {
    const match = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(content);
    if (match?.[1] && match[2] && SECRET_SETTINGS.includes(match[1].toLowerCase())) secrets.push(match[2]);
  }
  return secrets;
}
