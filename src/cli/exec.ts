/**
 * `-- COMMAND ARGS`: runs the command with the credentials in its environment, on this terminal, and
 * gives back its exit status, as a shell would (128 + the signal's number when a signal ended it, 127
 * when it cannot be found, 126 when it cannot be run).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Env } from '../names';
import { PROGRAM } from './flags';

/** Runs a command to its end; resolves with the status a shell would report. */
export type Exec = (command: string, args: string[], env: Env) => Promise<number>;

/** Signals this process passes on to the command. SIGINT is not: the terminal sends it to both already. */
const FORWARDED = ['SIGTERM', 'SIGHUP'] as const;

export const runCommand: Exec = (command, args, env) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const ignore = () => {};
    // While the command runs, Ctrl-C is its to handle (it may ask before stopping); this process waits.
    process.on('SIGINT', ignore);
    for (const signal of FORWARDED) process.on(signal, forward);
    let settled = false;
    const done = (status: number) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', ignore);
      for (const signal of FORWARDED) process.off(signal, forward);
      resolve(status);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(
        `${PROGRAM}: cannot run ${JSON.stringify(command)}: ${error.code ?? error.message}\n`,
      );
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      done(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
