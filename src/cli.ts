#!/usr/bin/env node
/** The command line's entry: the real streams, the real environment and process (see cli/program.ts). */
import { runCommand } from './cli/exec';
import { program } from './cli/program';

const world = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
  exec: runCommand,
};
// Exit once both streams are out (on a pipe Node writes asynchronously): no SDK socket holds the process.
void program(process.argv.slice(2), process.env, world).then((code) =>
  process.stderr.write('', () => process.stdout.write('', () => process.exit(code))),
);
