import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckImage } from '../../../../src/application/check/check-image';
import { resolveStepTarget } from '../../../../src/main/containers/base-container';
import { CHECK_LOOKUP_CONCURRENCY, createCheckContainer } from '../../../../src/main/containers/check-container';

const TAGS = Array.from({ length: 60 }, (_, i) => `1.0.${i}`);
const digestOf = (tag: string) => `sha256:${Buffer.from(tag).toString('hex').padEnd(64, '0')}`;

/** A registry on loopback that holds each manifest HEAD for a while and records the most at once. */
function startSlowRegistry(): Promise<{
  server: Server;
  host: string;
  peak: () => number;
  headConnections: () => number;
}> {
  let inFlight = 0;
  let peak = 0;
  const headSockets = new Set<unknown>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    if (path === '/v2/app/tags/list') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'app', tags: TAGS }));
      return;
    }
    const tag = /^\/v2\/app\/manifests\/(.+)$/.exec(path)?.[1];
    if (req.method !== 'HEAD' || tag === undefined) {
      res.writeHead(404).end();
      return;
    }
    headSockets.add(req.socket);
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res
        .writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'content-length': '100',
          'docker-content-digest': digestOf(tag),
        })
        .end();
    }, 40);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        peak: () => peak,
        headConnections: () => headSockets.size,
      }),
    ),
  );
}

describe('check lookup concurrency', () => {
  let registry: Awaited<ReturnType<typeof startSlowRegistry>>;
  beforeAll(async () => {
    registry = await startSlowRegistry();
  });
  afterAll(() => new Promise<void>((resolve) => registry.server.close(() => resolve())));

  it('keeps the documented number of manifest lookups in flight, no more, on reused connections', async () => {
    expect(CHECK_LOOKUP_CONCURRENCY).toBe(16);
    const request = { source: { repository: `${registry.host}/app` } };
    const container = createCheckContainer(request);
    const versions = await container.get(CheckImage).run(request, await resolveStepTarget(container));
    expect(versions).toHaveLength(TAGS.length);
    expect(registry.peak()).toBe(CHECK_LOOKUP_CONCURRENCY);
    // One keep-alive connection per slot, not one per tag.
    expect(registry.headConnections()).toBeLessThanOrEqual(CHECK_LOOKUP_CONCURRENCY);
  });
});
