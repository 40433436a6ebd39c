import { cleanup } from './cleanup';
import { WorkflowRunner } from './runner/protocol';

cleanup(new WorkflowRunner(process.env), process.env);
