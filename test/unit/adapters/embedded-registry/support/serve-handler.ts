import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryRegistryStore } from '../../../../../src/adapters/memory/in-memory-registry-store';
import { answerWithError } from '../../../../../src/adapters/embedded-registry/oci-error';
import {
  type RegistryContents,
  type RegistryExchange,
  toExchange,
} from '../../../../../src/adapters/embedded-registry/registry-exchange';
import {
  parseRegistryRoute,
  type RegistryRoute,
  type RouteOf,
} from '../../../../../src/adapters/embedded-registry/registry-route';

/** One handler alone behind a real socket on 127.0.0.1: request in, response out. */
export interface HandlerServer {
  url(path: string): string;
  close(): Promise<void>;
}

export async function serveHandler(answer: (x: RegistryExchange) => void | Promise<void>): Promise<HandlerServer> {
  const server = createServer((req, res) => {
    const x = toExchange(req, res);
    Promise.resolve()
      .then(() => answer(x))
      .catch((error: unknown) => answerWithError(x, error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request's route, which the test expects to be one of `kinds`. */
export function routeOf<K extends RegistryRoute['kind']>(x: RegistryExchange, ...kinds: K[]): RouteOf<K> {
  const route = parseRegistryRoute(x.url.pathname);
  const isWanted = (r: RegistryRoute | undefined): r is RouteOf<K> =>
    r !== undefined && (kinds as readonly string[]).includes(r.kind);
  if (!isWanted(route)) throw new Error(`test sent ${x.url.pathname} to a handler that does not serve it`);
  return route;
}

/** Fresh contents; repository names map into one fixed registry. */
export function freshContents(): RegistryContents {
  const store = new InMemoryRegistryStore();
  return { store, repository: (name) => ({ registry: 'embedded.test', path: name }) };
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors[0]?.code;
}
