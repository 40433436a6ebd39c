/**
 * Where input values come from besides `with:`: the variable named after an input (as
 * configure-aws-credentials reads them), the standard AWS variables, and credentials an earlier step left.
 */
import { type Credentials, type Env, ExportedEnv, Input } from '../names';

/** Returns an input's value, trimmed; '' when it was not given. */
export type InputReader = (name: Input) => string;

/** Where an input's value came from when it was not given: input name -> environment variable. */
export type Sources = Map<string, string>;

/** Reading inputs: the reader (with its env fallback), the environment, and where values came from. */
export interface Reading {
  read: InputReader;
  env: Env;
  sources: Sources;
}

/** The input names that carry secrets: masked before anything else happens, never echoed. */
export const SECRET_INPUTS = [Input.AwsAccessKeyId, Input.AwsSecretAccessKey, Input.AwsSessionToken] as const;

/**
 * Inputs never taken from a variable named after them: secrets, the profile and profiles (AWS_PROFILE means
 * something else, and PROFILES may mean anything), and the proxy pair, whose variables readProxy reads the way proxy-from-env does.
 */
const NO_ENV_FALLBACK: ReadonlySet<string> = new Set([
  ...SECRET_INPUTS,
  Input.AwsProfile,
  Input.Profiles,
  Input.HttpProxy,
  Input.NoProxy,
]);

/**
 * Like configure-aws-credentials, an input not given may come from an environment variable named after it,
 * upper-cased with underscores (role-to-assume -> ROLE_TO_ASSUME); an explicit input wins.
 */
export function withEnvFallback(read: InputReader, env: Env, sources?: Sources): InputReader {
  return (name) => {
    const value = read(name);
    if (value !== '' || NO_ENV_FALLBACK.has(name)) return value;
    const variable = name.toUpperCase().replace(/-/g, '_');
    const fromEnv = (env[variable] ?? '').trim();
    if (fromEnv !== '') sources?.set(name, variable);
    return fromEnv;
  };
}

/** The input, else the first of `variables` set in the environment (noted in `sources`). */
export function inputOrEnv({ read, env, sources }: Reading, input: Input, variables: string[]): string {
  const given = read(input);
  if (given !== '') return given;
  for (const variable of variables) {
    const value = (env[variable] ?? '').trim();
    if (value === '') continue;
    sources.set(input, variable);
    return value;
  }
  return '';
}

/** Credentials an earlier step (or the job) left in the environment; undefined unless id and secret are set. */
export function keysFromEnv(env: Env): Credentials | undefined {
  const accessKeyId = env[ExportedEnv.AccessKeyId];
  const secretAccessKey = env[ExportedEnv.SecretAccessKey];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env[ExportedEnv.SessionToken];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
