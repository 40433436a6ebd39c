/**
 * GitHub's OIDC token for the command line, when it runs in a job that offers one: fetched by the same
 * client as the action's (@actions/core, with its retries and proxy support), minus the workflow commands
 * @actions/core prints on the way (`::add-mask::` of the token, `::debug::`). The command line prints no
 * workflow command, and its stdout may be shell exports or credential_process JSON.
 */
export async function githubIdTokenQuietly(audience: string): Promise<string> {
  const { githubIdToken } = await import('../aws/web-identity');
  const stdout = process.stdout;
  const write = stdout.write;
  // Only while the token is fetched; nothing else of this program writes to stdout then.
  stdout.write = ((chunk: unknown, ...rest: never[]) =>
    String(chunk).startsWith('::') ? true : write.call(stdout, chunk as string, ...rest)) as typeof write;
  try {
    return await githubIdToken(audience);
  } finally {
    stdout.write = write;
  }
}
