/**
 * The action's bundle, run two ways: by the runner, with no argument, as the main step; and by the profile that
 * refresh-credentials writes, as its credential_process (`credential-process <dir>`), which answers from its
 * cache or renews. The main step is loaded only when it runs, so a cache hit loads only what it needs.
 */
import { CREDENTIAL_PROCESS_ARG } from './refresh/command';
import { runCredentialProcess } from './refresh/process';
import { exitWhenFlushed, WorkflowRunner } from './runner/protocol';

const [mode, ...args] = process.argv.slice(2);
if (mode === CREDENTIAL_PROCESS_ARG) runCredentialProcess(args);
else {
  // Once run() settles nothing is left to do: exit when the log is out (see exitWhenFlushed).
  void import('./main')
    .then(({ run }) => run(new WorkflowRunner(process.env), process.env))
    .finally(() => exitWhenFlushed());
}
