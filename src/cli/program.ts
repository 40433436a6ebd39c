/**
 * The command line, as a story: read the flags, run the action's main step with a runner of its own
 * (CliRunner) and take the outcome it hands over, print the report, then give the credentials where asked:
 * shell exports, credential_process JSON, or a command's environment. Exit status: 0 done, 1 AWS or the
 * gate said no, 2 bad usage.
 */
import { run, type Seams } from '../main';
import { type Env, ExportedEnv } from '../names';
import { credentialProcessJson } from '../refresh/store';
import { gateWarnings } from '../runner/exports';
import type { Outcome } from '../runner/summary';
import type { Exec } from './exec';
import { type Invocation, parseArgs, UsageError } from './flags';
import { commandEnv, exportLines, handedVariables, renderReport } from './report';
import { CliRunner, usageLine } from './runner';
import { usage } from './usage';

/** What the command line talks to: its two streams, the command runner, and (in tests) a fake AWS. */
export interface World {
  stdout(text: string): void;
  stderr(text: string): void;
  exec: Exec;
  seams?: Omit<Seams, 'handOver'>;
}

export async function program(argv: readonly string[], env: Env, world: World): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    world.stderr(`${usageLine(error.message)}\n`);
    return 2;
  }
  if (invocation.help) {
    world.stdout(usage());
    return 0;
  }
  const { output, debug } = invocation;
  const log = (line: string) => world.stderr(`${line}\n`);
  const runner = new CliRunner({ inputs: invocation.inputs, debug, log });
  // The report is the output unless the credentials are: then it goes to stderr, beside the log.
  const print = output.kind === 'report' ? (line: string) => world.stdout(`${line}\n`) : log;
  let outcome: Outcome | undefined;
  const handOver = (handed: Outcome) => {
    outcome = handed;
    // A line each: a key that holds a line break cannot start a line of its own.
    for (const line of renderReport(handed, { debug, now: new Date() })) print(runner.line(line));
  };
  await run(runner, env, { ...world.seams, handOver });
  if (runner.failure !== undefined) return runner.failure.usage ? 2 : 1;
  if (outcome === undefined || !outcome.exported) return 1;
  const { gate } = outcome;
  for (const warning of gate
    ? gateWarnings(gate, { holds: false, anyway: 'the credentials are given anyway' })
    : [])
    runner.warning(warning);
  if (output.kind === 'report') return 0;
  if (output.kind === 'json') {
    world.stdout(credentialProcessJson(outcome.issued.credentials));
    return 0;
  }
  const variables = handedVariables(outcome, env);
  if (variables.some(([name]) => name === ExportedEnv.Profile))
    runner.info('AWS_PROFILE is unset for them: the AWS SDK for JavaScript would prefer its profile.');
  if (output.kind === 'export') {
    world.stdout(exportLines(variables));
    return 0;
  }
  return world.exec(output.command, output.args, commandEnv(env, variables));
}
