/**
 * The job summary, rendered as markdown from plain facts. Pure; never given a secret.
 */
import type { GateResult } from './gate';

export interface Report {
  /** The STS operation (or "keys as given") that produced the credentials. */
  operation: string;
  identityArn: string;
  accountId: string;
  /** Replace the account id with *** wherever it appears. */
  maskAccount: boolean;
  region: string;
  /** Session name, for role sessions. */
  sessionName?: string;
  /** When the credentials expire; 'unknown' for session credentials of unknown expiry; absent for none. */
  expiration?: Date | 'unknown';
  /** Set when the S3 access gate ran. */
  gate?: GateResult;
  /** Where later steps find the credentials: e.g. ['environment', 'profile ci']; empty when nowhere. */
  exportedTo: string[];
  now: Date;
}

/** Shown in the summary's object table. */
export const SUMMARY_KEYS = 10;

export function renderSummary(report: Report): string {
  const hide = (text: string) => (report.maskAccount ? text.split(report.accountId).join('***') : text);
  // Values are escaped where they are put in a row.
  const rows: [string, string][] = [
    ['Operation', cell(report.operation)],
    ['Identity', code(hide(report.identityArn))],
    ['Account', report.maskAccount ? '***' : cell(report.accountId)],
    ['Region', cell(report.region)],
  ];
  if (report.sessionName !== undefined) rows.push(['Session name', cell(report.sessionName)]);
  const expiry =
    report.expiration === undefined
      ? 'never (long-term keys)'
      : report.expiration === 'unknown'
        ? 'unknown (session credentials from an earlier step)'
        : describeExpiry(report.expiration, report.now);
  rows.push(['Expires', expiry]);
  const exported = report.exportedTo.length === 0 ? 'no' : `yes: ${report.exportedTo.map(cell).join(', ')}`;
  rows.push(['Exported to later steps', exported]);

  const table = rows.map(([label, value]) => `| ${label} | ${value} |`);
  const lines = ['## AWS credentials', '', '| | |', '| --- | --- |', ...table];
  if (report.gate) lines.push('', ...renderGate(report.gate, hide));
  return `${lines.join('\n')}\n`;
}

function renderGate(gate: GateResult, hide: (text: string) => string): string[] {
  const { bucket, prefix, maxKeys } = gate.check;
  const lines = [
    '### S3 access check',
    '',
    '| | |',
    '| --- | --- |',
    `| Bucket | ${code(hide(bucket))} |`,
    `| Prefix | ${prefix === '' ? '(whole bucket)' : code(hide(prefix))} |`,
  ];
  if (!gate.ok) {
    lines.push(`| Result | ❌ not accessible |`, '', `> ${cell(hide(gate.reason))}`);
    return lines;
  }
  const more = gate.truncated ? ` (the first ${maxKeys}; more exist)` : '';
  lines.push(`| Result | ✅ accessible |`, `| Objects listed | ${gate.objects.length}${more} |`);
  if (gate.objects.length > 0) {
    const shown = gate.objects.slice(0, SUMMARY_KEYS);
    lines.push('', '| Key | Size | ETag |', '| --- | ---: | --- |');
    for (const o of shown)
      lines.push(`| ${code(hide(o.key))} | ${formatSize(o.size)} | ${code(o.etag.replace(/"/g, ''))} |`);
    if (gate.objects.length > shown.length)
      lines.push('', `…and ${gate.objects.length - shown.length} more listed.`);
  }
  return lines;
}

/** "2026-11-24 13:26:44 UTC (in 59 min)". */
export function describeExpiry(expiration: Date, now: Date): string {
  const utc = `${expiration.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const minutes = Math.round((expiration.getTime() - now.getTime()) / 60_000);
  if (minutes <= 0) return `${utc} (expired)`;
  if (minutes < 120) return `${utc} (in ${minutes} min)`;
  const hours = Math.floor(minutes / 60);
  return `${utc} (in ${hours} h ${minutes % 60} min)`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Line breaks and other control characters, which would end a table row (CommonMark takes a lone CR as a
 * line break too) and let text from others (S3 keys) write its own markdown below it; and the invisible
 * and direction-changing characters with which such text could make a row read other than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** Text that stays in its table cell: no line break, no column break, no code span of its own. */
function inCell(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\|/g, '\\|').replace(/`/g, "'");
}

/** Plain text in a table cell, HTML escaped. */
function cell(text: string): string {
  return inCell(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text as a code span in a table cell: shown as it is (entities are not decoded there, so none are used). */
function code(text: string): string {
  return `\`${inCell(text)}\``;
}
