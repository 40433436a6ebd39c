/**
 * The credential_process line of the profile: absolute paths, each quoted so that every reader of the config
 * file gets the same words. botocore (the aws-cli, boto3) splits the line as a POSIX shell would (shlex) and
 * runs it without a shell; the AWS SDK for JavaScript runs it with /bin/sh (cmd.exe on Windows), and its INI
 * reader ends a line at a `#` or `;` that follows white space. Pure.
 */
import { InputError } from '../errors';
import { Input } from '../names';

/** The argument that makes the action's bundle the credential process (see index.ts). */
export const CREDENTIAL_PROCESS_ARG = 'credential-process';

/** Characters no word may hold, whatever the quoting: controls (a line break ends the INI line). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** What the JavaScript SDK's INI reader takes for the start of a comment, even inside quotes. */
const COMMENT = /\s[#;]/;

/** One word for a POSIX shell and for shlex: single-quoted, a quote inside as '\''. */
function posixWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One word for cmd.exe and botocore's Windows split: double-quoted (Windows paths hold no `"`). */
function windowsWord(word: string): string | undefined {
  return /["%]/.test(word) ? undefined : `"${word}"`;
}

/**
 * The line that runs `words` (the node binary, the bundle, its arguments), or an InputError that names the
 * word no reader would read back as it is.
 */
export function commandLine(words: string[], platform: NodeJS.Platform = process.platform): string {
  return words
    .map((word) => {
      const quoted = platform === 'win32' ? windowsWord(word) : posixWord(word);
      if (quoted === undefined || CONTROL.test(word) || COMMENT.test(quoted)) throw unquotable(word);
      return quoted;
    })
    .join(' ');
}

function unquotable(word: string): InputError {
  return new InputError(
    Input.RefreshCredentials,
    `Input '${Input.RefreshCredentials}' cannot name ${JSON.stringify(word)} in a credential_process line: ` +
      'a control character, a `#` or `;` after a space (or, on Windows, `"` or `%`) would not be read back ' +
      'as written by the aws-cli and every SDK. Run the job from a path without them.',
  );
}
