/**
 * The OCI 1.1 referrers API in front of a registry that lacks it (docker-registry 2.8.2), on
 * 127.0.0.1, for the cosign CLI's `--experimental-oci11` path:
 *
 *   const front = await startReferrersFront(upstreamUrl) → { url, host, referrerRequests, stop() }
 *
 * Every request passes through to the upstream, Host header unchanged (so upload Locations come
 * back here), except that
 *   - a manifest PUT that the upstream accepts (201) and whose body has a `subject` is recorded
 *     as a referrer of that subject and answered with `OCI-Subject` (distribution-spec 1.1);
 *   - `GET /v2/<name>/referrers/<digest>[?artifactType=…]` answers the image index of the
 *     recorded referrers (filtered, with `OCI-Filters-Applied`), empty when there are none.
 * Manifest bodies are buffered (they are small JSON); blobs stream.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

const INDEX = 'application/vnd.oci.image.index.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersFront {
  url: string;
  host: string;
  /** Paths (with query) of the referrers API requests answered. */
  readonly referrerRequests: string[];
  stop(): Promise<void>;
}

export async function startReferrersFront(upstreamUrl: string): Promise<ReferrersFront> {
  const upstream = new URL(upstreamUrl);
  const referrers = new Map<string, Descriptor[]>();
  const referrerRequests: string[] = [];

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    put?: { body: Buffer; subject?: string; onDone: (status: number) => void },
  ): void {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = { ...answer.headers };
        put?.onDone(answer.statusCode ?? 0);
        if (put?.subject !== undefined && answer.statusCode === 201) headers['oci-subject'] = put.subject;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      res.writeHead(502);
      res.end(error.message);
    });
    if (put) out.end(put.body);
    else req.pipe(out);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const listing = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && listing) {
      referrerRequests.push(`${url.pathname}${url.search}`);
      const wanted = url.searchParams.get('artifactType');
      const all = referrers.get(`${listing[1] ?? ''}@${listing[2] ?? ''}`) ?? [];
      const manifests = wanted === null ? all : all.filter((d) => d.artifactType === wanted);
      res.writeHead(200, {
        'Content-Type': INDEX,
        ...(wanted === null ? {} : { 'OCI-Filters-Applied': 'artifactType' }),
      });
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }));
      return;
    }
    const manifestPut = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
    if (req.method === 'PUT' && manifestPut) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const manifest = parse(body);
        const subject = manifest?.subject?.digest;
        forward(req, res, {
          body,
          subject,
          onDone: (status) => {
            if (status !== 201 || subject === undefined || manifest === undefined) return;
            const key = `${manifestPut[1] ?? ''}@${subject}`;
            const descriptor: Descriptor = {
              mediaType: manifest.mediaType ?? String(req.headers['content-type']),
              digest: `sha256:${sha256Hex(body)}`,
              size: body.length,
              ...(manifest.artifactType !== undefined ? { artifactType: manifest.artifactType } : {}),
              ...(manifest.annotations !== undefined ? { annotations: manifest.annotations } : {}),
            };
            referrers.set(key, [...(referrers.get(key) ?? []), descriptor]);
          },
        });
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    referrerRequests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ManifestFields {
  mediaType?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  subject?: { digest?: string };
}

function parse(body: Buffer): ManifestFields | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as ManifestFields) : undefined;
  } catch {
    return undefined;
  }
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
