/**
 * The post step: clears what the main step exported. It never fails the job; it warns.
 */
import { State } from './constants';
import { describeError } from './errors';
import { Runner } from './runner';

const core = new Runner();

export function cleanup(): void {
  try {
    const saved = core.getState(State.Exported);
    if (saved === '') return;
    const names: unknown = JSON.parse(saved);
    if (!Array.isArray(names)) throw new Error(`state '${State.Exported}' is not a list`);
    for (const name of names) {
      if (typeof name === 'string' && /^AWS_[A-Z_]+$/.test(name)) core.exportVariable(name, '');
    }
    core.info(`Cleared ${names.length} AWS variables exported by the main step.`);
  } catch (error) {
    core.warning(`Cleanup skipped: ${describeError(error)}`);
  }
}
