import { run } from './main';
import { exitWhenFlushed, WorkflowRunner } from './runner/protocol';

// Once run() settles nothing is left to do: exit when the log is out (see exitWhenFlushed).
void run(new WorkflowRunner(process.env), process.env).finally(() => exitWhenFlushed());
