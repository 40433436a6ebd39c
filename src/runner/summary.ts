/**
 * The job summary, rendered as markdown from plain facts. Pure; never given a secret.
 */

import { describeError } from '../errors';
import type { Batch } from '../inputs/batch';
import type { Config } from '../inputs/config';
import type { Plan } from '../inputs/plan';
import {
  Access,
  type BucketResult,
  type CheckResult,
  type Env,
  ExportedEnv,
  type GateResult,
  type Issued,
  OPERATION_API,
  type ProfileIssued,
  StsOperation,
} from '../names';
import { cell, code } from './markdown';
import type { Runner } from './protocol';

export interface Report {
  /** The STS operation (or "keys as given") that produced the credentials. */
  operation: string;
  /** Whose the credentials are; absent with profiles alone (each profile says whose it is). */
  identityArn?: string;
  accountId?: string;
  /** Replace the account id with *** wherever it appears. */
  maskAccount: boolean;
  region: string;
  /** Session name, for role sessions. */
  sessionName?: string;
  /** The SourceIdentity AssumeRole was sent (role-source-identity); absent when none was. */
  sourceIdentity?: string;
  /** When the credentials expire; 'unknown' for session credentials of unknown expiry; absent for none. */
  expiration?: Date | 'unknown';
  /** Set when the S3 access gate ran. */
  gate?: GateResult;
  /** Where later steps find the credentials: e.g. ['environment', 'profile ci']; empty when nowhere. */
  exportedTo: string[];
  /** The profiles of the profiles input, written (or, when not exported, obtained). */
  profiles?: ProfileRow[];
  now: Date;
}

/** A profile as the summary shows it. */
export interface ProfileRow {
  name: string;
  identityArn: string;
  accountId: string;
  expiration?: Date;
}

/** What the step did, for the summary: credentials new (`fresh`) or kept, and whether they went out. */
export interface Outcome {
  config: Config;
  /** How new credentials were obtained; absent when only existing ones could be used. */
  plan?: Plan;
  issued: Issued;
  gate: GateResult | undefined;
  /** The credentials reached later steps (the gate did not hold them back). */
  exported: boolean;
  /** New credentials; false for valid ones kept from the environment (use-existing-credentials). */
  fresh: boolean;
  env: Env;
  /** The profiles of the profiles input, obtained with role-to-assume (written when exported). */
  profiles?: ProfileIssued[];
  /** How the profiles were obtained (with refresh-credentials, each renews itself so). */
  batch?: Batch;
}

/** Appends the job summary; a summary that cannot be written is a warning, never a failure. */
export function writeSummary(runner: Runner, outcome: Outcome | Report): void {
  try {
    runner.appendSummary(renderSummary('config' in outcome ? reportOf(outcome) : outcome));
  } catch (error) {
    runner.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}

/** The summary's facts from what the step did. */
export function reportOf(outcome: Outcome): Report {
  const { config, plan, issued, gate, exported, fresh, env, profiles } = outcome;
  const exportedTo = !exported
    ? []
    : !fresh
      ? ['environment (already there)']
      : [
          ...(config.outputEnvCredentials ? ['environment'] : []),
          ...(config.profile
            ? [`profile ${config.profile.name}${config.refresh ? ' (renews itself)' : ''}`]
            : []),
          ...(profiles ? [profilesExported(config, profiles)] : []),
          ...(config.outputCredentials ? ['step outputs'] : []),
        ];
  const roleSession =
    fresh &&
    (plan?.kind === StsOperation.AssumeRole || plan?.kind === StsOperation.AssumeRoleWithWebIdentity);
  const operation =
    !fresh || plan === undefined
      ? 'credentials already in the environment (use-existing-credentials)'
      : plan.kind === 'static-keys'
        ? 'keys as given (checked with GetCallerIdentity)'
        : OPERATION_API[plan.kind];
  return {
    operation,
    identityArn: issued.identity.arn,
    accountId: issued.identity.accountId,
    maskAccount: config.maskAccountId,
    region: config.region,
    sessionName: roleSession ? config.sessionName : undefined,
    // Refused up front with a web identity: only AssumeRole sends it.
    sourceIdentity: roleSession ? config.sourceIdentity : undefined,
    expiration:
      issued.credentials.expiration ??
      (!fresh && issued.credentials.sessionToken ? keptExpiry(env) : undefined),
    gate,
    exportedTo,
    profiles: profiles?.map(profileRow),
    now: new Date(),
  };
}

/**
 * The summary's facts with profiles alone: how they were obtained and where they went; each profile says
 * whose it is.
 */
export function profilesReport(config: Config, operation: string, profiles: ProfileIssued[]): Report {
  return {
    operation,
    maskAccount: config.maskAccountId,
    region: config.region,
    sessionName: config.sessionName,
    sourceIdentity: config.sourceIdentity,
    exportedTo: [profilesExported(config, profiles)],
    profiles: profiles.map(profileRow),
    now: new Date(),
  };
}

function profilesExported(config: Config, profiles: ProfileIssued[]): string {
  const renews = config.refresh ? ' (each renews itself)' : '';
  return `profiles ${profiles.map((each) => each.name).join(', ')}${renews}`;
}

function profileRow({ name, issued }: ProfileIssued): ProfileRow {
  const { identity, credentials } = issued;
  return {
    name,
    identityArn: identity.arn,
    accountId: identity.accountId,
    expiration: credentials.expiration,
  };
}

/** When credentials kept from the environment expire, as an earlier step said (AWS_CREDENTIAL_EXPIRATION). */
function keptExpiry(env: Env): Date | 'unknown' {
  const at = Date.parse(env[ExportedEnv.CredentialExpiration] ?? '');
  return Number.isNaN(at) ? 'unknown' : new Date(at);
}

/** Shown in the summary's object table. */
export const SUMMARY_KEYS = 10;

export function renderSummary(report: Report): string {
  const accounts = [report.accountId, ...(report.profiles ?? []).map((row) => row.accountId)];
  const hide = (text: string) =>
    report.maskAccount
      ? accounts.reduce<string>((shown, id) => (id ? shown.split(id).join('***') : shown), text)
      : text;
  const account = (id: string) => (report.maskAccount ? '***' : cell(id));
  // Values are escaped where they are put in a row.
  const rows: [string, string][] = [['Operation', cell(report.operation)]];
  if (report.identityArn !== undefined) rows.push(['Identity', code(hide(report.identityArn))]);
  if (report.accountId !== undefined) rows.push(['Account', account(report.accountId)]);
  rows.push(['Region', cell(report.region)]);
  if (report.sessionName !== undefined) rows.push(['Session name', cell(report.sessionName)]);
  if (report.sourceIdentity !== undefined) rows.push(['Source identity', cell(report.sourceIdentity)]);
  const expiry =
    report.expiration === undefined
      ? 'never (long-term keys)'
      : report.expiration === 'unknown'
        ? 'unknown (session credentials from an earlier step)'
        : describeExpiry(report.expiration, report.now);
  if (report.identityArn !== undefined) rows.push(['Expires', expiry]);
  const exported = report.exportedTo.length === 0 ? 'no' : `yes: ${report.exportedTo.map(cell).join(', ')}`;
  rows.push(['Exported to later steps', exported]);

  const table = rows.map(([label, value]) => `| ${label} | ${value} |`);
  const lines = ['## AWS credentials', '', '| | |', '| --- | --- |', ...table];
  if (report.profiles) {
    lines.push(
      '',
      '### Profiles',
      '',
      '| Profile | Identity | Account | Expires |',
      '| --- | --- | --- | --- |',
    );
    for (const row of report.profiles) {
      const expires = row.expiration ? describeExpiry(row.expiration, report.now) : 'never (long-term keys)';
      lines.push(
        `| ${code(row.name)} | ${code(hide(row.identityArn))} | ${account(row.accountId)} | ${expires} |`,
      );
    }
  }
  if (report.gate) lines.push('', ...renderGate(report.gate, hide));
  return `${lines.join('\n')}\n`;
}

/** One row per bucket and check, a note for each that did not pass, then the keys each listing listed. */
function renderGate(gate: GateResult, hide: (text: string) => string): string[] {
  const result = gate.accessible
    ? '✅ accessible'
    : gate.failures.length > 0
      ? '❌ not accessible'
      : '⚠️ not every check could be proved';
  const lines = ['### S3 access check', '', '| | |', '| --- | --- |', `| Result | ${result} |`];
  const listed = gate.buckets.filter((bucket) => listedBy(bucket));
  if (listed.length > 0) {
    const count = listed.reduce((sum, bucket) => sum + bucket.objects.length, 0);
    const each = gate.buckets.length > 1 ? ' of each bucket' : '';
    const more = listed.some((bucket) => bucket.truncated)
      ? ` (the first ${gate.maxKeys}${each}; more exist)`
      : '';
    lines.push(`| Objects listed | ${count}${more} |`);
  }
  lines.push('', '| Check | Bucket | Prefix | Result |', '| --- | --- | --- | --- |');
  const notes: string[] = [];
  for (const bucket of gate.buckets) {
    const prefix = bucket.prefix === '' ? '(whole bucket)' : code(hide(bucket.prefix));
    for (const check of bucket.checks) {
      lines.push(
        `| ${check.access} | ${code(hide(bucket.bucket))} | ${prefix} | ${verdict(bucket, check)} |`,
      );
      if (check.proved !== true) notes.push(check.said);
      if (check.leftover !== undefined) notes.push(`⚠️ ${check.leftover}`);
    }
  }
  for (const note of notes) lines.push('', `> ${cell(hide(note))}`);
  for (const bucket of listed.filter((each) => each.objects.length > 0)) {
    if (gate.buckets.length > 1) {
      const under = bucket.prefix === '' ? '' : ` under ${code(hide(bucket.prefix))}`;
      lines.push('', `#### Keys listed in ${code(hide(bucket.bucket))}${under}`);
    }
    lines.push(...renderKeys(bucket, hide));
  }
  return lines;
}

const listedBy = (bucket: BucketResult) =>
  bucket.checks.some((check) => check.access === Access.List && check.proved === true);

function verdict(bucket: BucketResult, check: CheckResult): string {
  const left = check.leftover === undefined ? '' : ' ⚠️ left an upload behind';
  if (check.proved === false) return `❌ failed${left}`;
  if (check.proved === null) return `⚠️ could not prove${left}`;
  if (check.access !== Access.List) return `✅ proved${left}`;
  const count = bucket.objects.length;
  return `✅ ${count} object${count === 1 ? '' : 's'} listed${bucket.truncated ? ', more exist' : ''}`;
}

function renderKeys(bucket: BucketResult, hide: (text: string) => string): string[] {
  const shown = bucket.objects.slice(0, SUMMARY_KEYS);
  const lines = ['', '| Key | Size | ETag |', '| --- | ---: | --- |'];
  for (const o of shown)
    lines.push(`| ${code(hide(o.key))} | ${formatSize(o.size)} | ${code(o.etag.replace(/"/g, ''))} |`);
  if (bucket.objects.length > shown.length)
    lines.push('', `…and ${bucket.objects.length - shown.length} more listed.`);
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
