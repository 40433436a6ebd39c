import { run } from './main';
import { exitWhenFlushed } from './runner';

// Once run() settles nothing is left to do: exit when the log is out (see exitWhenFlushed).
void run().finally(() => exitWhenFlushed());
