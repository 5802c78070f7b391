/**
 * A fake GCE/GKE metadata server on 127.0.0.1, the one google-auth-library reaches when
 * `GCE_METADATA_HOST=host:port`. Like the real one it answers with `Metadata-Flavor: Google` and
 * refuses (403) requests without `Metadata-Flavor: Google` or with `X-Forwarded-For`.
 *
 *   startFakeMetadataServer({ token?, tokenStatus?, projectId?, email?, universe? })
 *     → { host, requests, tokenRequests(), set(options), stop() }
 *
 * Serves `/computeMetadata/v1/instance` (the library's ping), `…/service-accounts/default/token`
 * (JSON), `…/project/project-id`, `…/service-accounts/default/email`, `…/universe/universe-domain`.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';

export interface FakeMetadataOptions {
  token?: string;
  /** Answer the token path with this status instead (404: unknown service account). */
  tokenStatus?: number;
  projectId?: string;
  email?: string;
  universe?: string;
}

export interface MetadataRequest {
  path: string;
  query: string;
  flavor: boolean;
  status: number;
}

export interface FakeMetadataServer {
  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  host: string;
  requests: MetadataRequest[];
  tokenRequests(): number;
  set(options: FakeMetadataOptions): void;
  stop(): Promise<void>;
}

const BASE = '/computeMetadata/v1';
const TOKEN_PATH = `${BASE}/instance/service-accounts/default/token`;

export async function startFakeMetadataServer(initial: FakeMetadataOptions = {}): Promise<FakeMetadataServer> {
  let options: Required<Omit<FakeMetadataOptions, 'tokenStatus'>> & { tokenStatus?: number } = {
    token: 'ya29.fake-metadata-token',
    projectId: 'test-project',
    email: 'runner@test-project.iam.gserviceaccount.com',
    universe: 'googleapis.com',
    ...initial,
  };
  const requests: MetadataRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    const flavor = req.headers['metadata-flavor'] === 'Google';
    const answer = (status: number, body: string, type = 'application/text'): void => {
      requests.push({ path: url.pathname, query: url.search, flavor, status });
      res.writeHead(status, { 'Metadata-Flavor': 'Google', 'Content-Type': type }).end(body);
    };
    if (!flavor || req.headers['x-forwarded-for'] !== undefined) return answer(403, 'Missing Metadata-Flavor:Google');
    switch (url.pathname) {
      case `${BASE}/instance`:
      case `${BASE}/instance/`:
        return answer(200, JSON.stringify({ id: 1 }), 'application/json');
      case TOKEN_PATH:
        if (options.tokenStatus) return answer(options.tokenStatus, 'Not Found');
        return answer(
          200,
          JSON.stringify({ access_token: options.token, expires_in: 3599, token_type: 'Bearer' }),
          'application/json',
        );
      case `${BASE}/project/project-id`:
        return answer(200, options.projectId);
      case `${BASE}/instance/service-accounts/default/email`:
        return answer(200, options.email);
      case `${BASE}/universe/universe-domain`:
        return answer(200, options.universe);
      default:
        return answer(404, 'Not Found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    tokenRequests: () => requests.filter((r) => r.path === TOKEN_PATH).length,
    set: (next) => {
      options = { ...options, ...next };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
