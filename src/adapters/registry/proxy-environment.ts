import { ConfigurationError } from '../../domain/errors';
import { isNeverProxied, NoProxy } from './no-proxy';

/** A forward proxy to use, parsed from `HTTPS_PROXY` / `HTTP_PROXY`. */
export interface ProxyServer {
  /** `http://host:port`, without credentials: safe to print. */
  readonly origin: string;
  readonly hostname: string;
  readonly port: number;
  /** An `https://` proxy: TLS to the proxy itself, verified with the same trust as registries. */
  readonly tls: boolean;
  /** `Basic …` for Proxy-Authorization when the URL carries credentials. Never print it. */
  readonly authorization: string | undefined;
  readonly username: string | undefined;
  /** The variable it came from, for messages. */
  readonly source: string;
}

export interface ProxyEnvironment {
  readonly http: ProxyServer | undefined;
  readonly https: ProxyServer | undefined;
  readonly noProxy: NoProxy;
}

export const NO_PROXY_ENVIRONMENT: ProxyEnvironment = { http: undefined, https: undefined, noProxy: new NoProxy('') };

/**
 * Reads the variables Go's HTTP client honours: `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for
 * http ones (neither falls back to the other), `NO_PROXY`; upper case wins, then lower case.
 */
export function proxyEnvironment(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const read = (upper: string): { name: string; value: string } | undefined => {
    for (const name of [upper, upper.toLowerCase()]) {
      const value = env[name]?.trim();
      if (value) return { name, value };
    }
    return undefined;
  };
  const parse = (upper: string): ProxyServer | undefined => {
    const found = read(upper);
    return found && parseProxyUrl(found.value, found.name);
  };
  return {
    http: parse('HTTP_PROXY'),
    https: parse('HTTPS_PROXY'),
    noProxy: new NoProxy(read('NO_PROXY')?.value ?? ''),
  };
}

/** `http(s)://[user:pass@]host[:port]`, or `host[:port]` (http assumed), as Go accepts them. */
export function parseProxyUrl(value: string, source: string): ProxyServer {
  let url = tryUrl(value);
  if ((!url || url.host === '') && !value.includes('://')) url = tryUrl(`http://${value}`);
  // The value itself may hold a password: messages name the variable, never repeat it.
  if (!url || url.hostname === '') throw new ConfigurationError(`${source} is not a valid proxy URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(
      `${source} uses ${url.protocol}// proxies, which are not supported; use an http:// or https:// proxy URL`,
    );
  }
  const tls = url.protocol === 'https:';
  const username = url.username === '' ? undefined : safeDecode(url.username);
  const password = safeDecode(url.password);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    origin: url.origin,
    hostname,
    port: url.port !== '' ? Number(url.port) : tls ? 443 : 80,
    tls,
    authorization:
      username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    username,
    source,
  };
}

/** The proxy for this URL, or undefined to connect directly (no proxy set, loopback, or NO_PROXY). */
export function proxyFor(environment: ProxyEnvironment, url: URL): ProxyServer | undefined {
  const proxy = url.protocol === 'https:' ? environment.https : url.protocol === 'http:' ? environment.http : undefined;
  if (!proxy) return undefined;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (isNeverProxied(host) || environment.noProxy.bypasses(host, port)) return undefined;
  return proxy;
}

function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
