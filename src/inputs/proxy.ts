/**
 * The proxy for AWS requests: http-proxy and no-proxy, else the proxy variables, checked up front, and
 * the environment this process then runs with (our AWS clients and the OIDC token request read it).
 */
import { InputError } from '../errors';
import { type Env, Input } from '../names';
import type { InputReader, Reading } from './env';
import { parseEndpoint, splitUserinfo } from './parse';

/**
 * Proxy for AWS calls: `url` when http-proxy is given; otherwise (no url) the proxy variables in the
 * environment, which proxy-from-env resolves per request. `noProxy` is the no-proxy input, if any.
 */
export interface ProxySettings {
  url?: string;
  noProxy: string;
}

/** The proxy variables proxy-from-env reads (lower case first), for AWS's https endpoints and others. */
export const PROXY_VARIABLES = [
  'https_proxy',
  'HTTPS_PROXY',
  'http_proxy',
  'HTTP_PROXY',
  'all_proxy',
  'ALL_PROXY',
];
const NO_PROXY_FORM =
  'host names, domains (.example.com), IP addresses or host:port, separated by commas or spaces, ' +
  'e.g. localhost,.internal';
const NO_PROXY_ENTRY = /^(?:\*|\*?\.?[\w.-]+|\[[\da-f:.]+\]|[\da-f:.]+)(?::\d{1,5})?$/i;

/**
 * http-proxy and no-proxy. Without http-proxy the proxy variables in the environment apply, as
 * proxy-from-env reads them (a value without a scheme gets the request's); each is checked here so a
 * bad one fails up front, named, with any password hidden.
 */
export function readProxy(
  { read, env, sources }: Reading,
  { plainHttp }: { plainHttp: boolean },
): ProxySettings | undefined {
  const noProxy = read(Input.NoProxy);
  for (const entry of noProxyEntries(noProxy)) {
    if (!NO_PROXY_ENTRY.test(entry)) throw InputError.invalid(Input.NoProxy, noProxy, NO_PROXY_FORM);
  }
  const explicit = read(Input.HttpProxy);
  if (explicit !== '') return { url: parseEndpoint(Input.HttpProxy, explicit), noProxy };
  // The variables that would be used: per scheme (http only when an endpoint is plain http), lower
  // case first, ALL_PROXY when that scheme has none; none when a no-proxy entry is '*'.
  const first = (...names: string[]) => names.find((name) => (env[name] ?? '').trim() !== '');
  const fallback = first('all_proxy', 'ALL_PROXY');
  const used = new Set(
    [
      first('https_proxy', 'HTTPS_PROXY') ?? fallback,
      plainHttp ? (first('http_proxy', 'HTTP_PROXY') ?? fallback) : undefined,
    ].filter((name): name is string => name !== undefined),
  );
  const bypass = noProxy || (env[first('no_proxy', 'NO_PROXY') ?? ''] ?? '');
  const bypassAll = noProxyEntries(bypass).includes('*');
  if (used.size === 0 || bypassAll) return undefined;
  for (const variable of used) {
    const value = (env[variable] ?? '').trim();
    sources.set(Input.HttpProxy, variable);
    parseEndpoint(Input.HttpProxy, withProxyScheme(value));
  }
  sources.delete(Input.HttpProxy);
  return { noProxy };
}

/** The entries of a no-proxy list, separated by commas or spaces (as proxy-from-env reads NO_PROXY). */
export function noProxyEntries(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((entry) => entry !== '');
}

/** A proxy given as host:port means http://host:port, as curl and @actions/http-client read it. */
export function withProxyScheme(value: string): string {
  return value.includes('://') ? value : `http://${value}`;
}

/**
 * Passwords in the proxy URLs this step may use (http-proxy as given, the proxy variables), to mask
 * before anything is printed. Never throws: a value that is no URL holds no password to find.
 */
/**
 * The password in a proxy URL, read two ways, since a password holding '/', '?' or '#' unencoded is
 * misread by the URL parser: as the parser reads it, and as all after the first ':' of what comes
 * before the last '@'.
 */
function proxyPasswords(raw: string): string[] {
  const candidate = withProxyScheme(raw);
  const parsed = URL.canParse(candidate) ? new URL(candidate).password : '';
  const userinfo = splitUserinfo(raw)?.userinfo ?? '';
  const colon = userinfo.indexOf(':');
  const literal = colon < 0 ? '' : userinfo.slice(colon + 1);
  return [...new Set([parsed, literal])].filter((password) => password !== '');
}

export function proxySecrets(readInput: InputReader, env: Env): string[] {
  const secrets: string[] = [];
  for (const raw of [readInput(Input.HttpProxy), ...PROXY_VARIABLES.map((v) => (env[v] ?? '').trim())]) {
    for (const password of proxyPasswords(raw)) {
      secrets.push(password);
      try {
        secrets.push(decodeURIComponent(password));
      } catch {
        // not percent-encoded text: the raw form is masked already
      }
    }
  }
  return secrets;
}

/**
 * The proxy variables this process runs with, as edits of `env` (undefined: remove the variable). Our
 * AWS clients and the GitHub OIDC token request read them, all through proxy-from-env. Both spellings
 * are set, since the lower case wins where both are read; a proxy variable given as host:port gets
 * http:// (proxy-from-env would give it the request's https://); no-proxy is joined with commas.
 */
export function proxyEnvironment(proxy: ProxySettings, env: Env): Env {
  const edits: Env = {};
  const current = (name: string) => (name in edits ? edits[name] : env[name]);
  const set = (name: string, value: string) => {
    edits[name.toLowerCase()] = value;
    edits[name] = value;
  };
  if (proxy.url !== undefined)
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY']) set(name, proxy.url);
  for (const name of [...PROXY_VARIABLES, 'no_proxy', 'NO_PROXY']) {
    const value = current(name)?.trim();
    if (value === undefined) continue;
    // A blank value would be taken as a proxy by proxy-from-env, which does not trim: drop it.
    edits[name] = value === '' ? undefined : PROXY_VARIABLES.includes(name) ? withProxyScheme(value) : value;
  }
  const noProxy = noProxyEntries(proxy.noProxy);
  if (noProxy.length > 0) set('NO_PROXY', noProxy.join(','));
  return edits;
}
