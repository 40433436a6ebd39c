import type { Input } from './names';

/**
 * A user's input is wrong. Raised before any network call; the message names the input,
 * shows the bad value (unless it is secret) and the allowed form.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly input: Input,
    message: string,
  ) {
    super(message);
  }

  /** The same error, saying the value came from an environment variable, not from `with:`. */
  takenFrom(variable: string): InputError {
    const named = `Input '${this.input}'`;
    return new InputError(
      this.input,
      this.message.replace(named, `${named} (taken from the ${variable} environment variable)`),
    );
  }

  /** `Input 'x': got "v"; expected <form>.` — the value is left out when it is a secret. */
  static invalid(input: Input, value: string | undefined, expected: string): InputError {
    const got = value === undefined ? 'the value given (not shown: secret)' : JSON.stringify(value);
    return new InputError(input, `Input '${input}' is invalid: got ${got}; expected ${expected}.`);
  }

  static missing(input: Input, why: string): InputError {
    return new InputError(input, `Input '${input}' is required: ${why}.`);
  }
}

/** Renders any thrown value as one line for `core.setFailed`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
