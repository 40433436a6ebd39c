import { run } from './main';

// Every runner write is synchronous, so once run() settles nothing is left to do: exit at once rather
// than wait for an SDK timer or socket that an error path left behind.
void run().finally(() => process.exit());
