/**
 * Answers far larger than any real one (manifests, token responses, error bodies, tag pages) are
 * refused at their cap without being buffered whole, and the connection is dropped; a 200k-tag
 * list, paginated or in one page, is read with bounded memory.
 */
import { describe, expect, it } from 'vitest';
import type { ResourceError } from '../../../src/domain/errors';
import { MANIFEST_LIMIT, TAGS_PAGE_LIMIT } from '../../../src/adapters/registry/registry-client';
import { TOKEN_RESPONSE_LIMIT } from '../../../src/adapters/registry/bearer-token-source';
import { answerJson, endless, trickleBody, type HostileServer, hostileRegistries } from '../support/hostile-server';
import { makeClient } from './client-fixture';
import { RegistryError } from '../../../src/ports/registry-errors';

/** Registries whose `/v2/` ping works and whose other paths go to `route`. */
const registry = hostileRegistries();

const fast = { timeoutMs: 5_000, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, totalMs: 10_000 } };
const repoOf = (s: HostileServer): { registry: string; path: string } => ({ registry: s.host, path: 'huge/repo' });
const junk = Buffer.alloc(64 * 1024, 0x20);
const MiB = 1024 * 1024;

async function failure(promise: Promise<unknown>): Promise<ResourceError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as ResourceError,
  );
}

describe('size caps', () => {
  it('documents its caps', () => {
    expect([MANIFEST_LIMIT, TOKEN_RESPONSE_LIMIT, TAGS_PAGE_LIMIT]).toEqual([4 * MiB, 1 * MiB, 16 * MiB]);
  });

  it('cuts a manifest that never ends at 4 MiB, once, and drops the connection', async () => {
    const s = await registry(({ socket }) => endless(socket, 200, { 'Content-Type': 'application/json' }, junk));
    const { client } = makeClient(fast);
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ temporary: false });
    expect(error.message).toBe(
      `fetching manifest v1 of ${s.host}/huge/repo failed: the answer exceeds 4194304 bytes (the 4 MiB cap)`,
    );
    expect(s.requests.filter((r) => r.target.includes('/manifests/'))).toHaveLength(1);
    await expect.poll(() => s.clientClosed()).toBe(1);
    // What the server got out before the socket died: the cap plus kernel buffers, not more.
    expect(s.bytesWritten()).toBeLessThan(MANIFEST_LIMIT + 8 * MiB);
  });

  it('refuses a manifest whose Content-Length is over the cap without reading it', async () => {
    // Headers only, then silence: reading would wait for a stall; the cap answers at once.
    const s = await registry(({ socket }) =>
      trickleBody(socket, { 'Content-Type': 'application/json', 'Content-Length': String(1024 * MiB) }, 60_000),
    );
    const { client } = makeClient(fast);
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error.message).toBe(
      `fetching manifest v1 of ${s.host}/huge/repo failed: the answer exceeds 4194304 bytes (the 4 MiB cap)`,
    );
    await expect.poll(() => s.clientClosed()).toBe(1);
  });

  it('cuts a token response that never ends at 1 MiB and does not ask again', async () => {
    const s = await registry((request) => {
      if (request.target.startsWith('/token')) return endless(request.socket, 200, {}, junk);
      answerJson(
        request.socket,
        401,
        {},
        { 'WWW-Authenticate': `Bearer realm="http://${request.headers.host}/token",service="svc"` },
      );
    });
    const { client } = makeClient(fast);
    const error = await failure(client.listTags(repoOf(s)));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ temporary: false });
    expect(error.message).toBe(
      `fetching a token for ${s.host}/huge/repo from ${s.url} failed: the answer exceeds 1048576 bytes (the 1 MiB cap)`,
    );
    expect(s.requests.filter((r) => r.target.startsWith('/token'))).toHaveLength(1);
    await expect.poll(() => s.clientClosed()).toBe(1);
  });

  it('reads at most 64 KiB of an error body that never ends, and still reports the status', async () => {
    const s = await registry(({ socket }) => endless(socket, 400, { 'Content-Type': 'application/json' }, junk));
    const { client } = makeClient(fast);
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error.message).toBe(`fetching manifest v1 of ${s.host}/huge/repo failed: HTTP 400`);
    await expect.poll(() => s.clientClosed()).toBe(1);
  });

  it('cuts a tag page that never ends at 16 MiB', async () => {
    const s = await registry(({ socket }) => endless(socket, 200, { 'Content-Type': 'application/json' }, junk));
    const { client } = makeClient(fast);
    const error = await failure(client.listTags(repoOf(s)));
    expect(error.message).toBe(
      `listing tags of ${s.host}/huge/repo failed: the answer exceeds 16777216 bytes (the 16 MiB cap)`,
    );
    await expect.poll(() => s.clientClosed()).toBe(1);
  });
});

describe('a 200k-entry tag list', () => {
  const TAGS = 200_000;
  const tag = (i: number): string => `release-${String(i).padStart(7, '0')}-build`;

  /** Serves the list in pages of `n` (or whole when `paginate` is false), each page built on demand. */
  async function tagRegistry(paginate: boolean): Promise<HostileServer> {
    return registry(({ socket, target }) => {
      const query = new URL(target, 'http://x').searchParams;
      const n = paginate ? Number(query.get('n') ?? '1000') : TAGS;
      const last = query.get('last');
      const start = last === null ? 0 : Number(/(\d+)/.exec(last)?.[1]) + 1;
      const end = Math.min(TAGS, start + n);
      const tags = Array.from({ length: end - start }, (_, k) => tag(start + k));
      const link =
        end < TAGS ? { Link: `</v2/huge/repo/tags/list?n=${n}&last=${tag(end - 1)}>; rel="next"` } : undefined;
      answerJson(socket, 200, { name: 'huge/repo', tags }, link);
    });
  }

  async function measure(paginate: boolean): Promise<{ tags: string[] | undefined; growth: number; pages: number }> {
    const s = await tagRegistry(paginate);
    const { client } = makeClient({ ...fast, tagPageSize: 1000 });
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    try {
      const tags = await client.listTags(repoOf(s));
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      return { tags, growth: peak - before, pages: s.requests.filter((r) => r.target.includes('/tags/list')).length };
    } finally {
      clearInterval(sampler);
    }
  }

  it('reads every tag of a paginated list (200 pages) with bounded heap growth', async () => {
    const { tags, growth, pages } = await measure(true);
    expect(pages).toBe(200);
    expect(tags).toHaveLength(TAGS);
    expect(tags?.[TAGS - 1]).toBe(tag(TAGS - 1));
    // The tags themselves are ~10 MiB of strings; raw pages are 44 KiB each and not kept.
    expect(growth).toBeLessThan(96 * MiB);
  });

  it('reads an unpaginated 200k-tag list in one page (no call-stack overflow) with bounded heap growth', async () => {
    const { tags, growth, pages } = await measure(false);
    expect(pages).toBe(1);
    expect(tags).toHaveLength(TAGS);
    expect(new Set(tags).size).toBe(TAGS);
    expect(growth).toBeLessThan(128 * MiB);
  });
});
