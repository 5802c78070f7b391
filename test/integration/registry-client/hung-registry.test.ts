/**
 * Registries that accept the connection and then never answer, or answer a byte at a time: every
 * kind of request (manifest, blob, upload, token realm) fails with one line naming what, where
 * and how long, after the retries, and the step deadline ends even a body that keeps moving.
 */
import { Readable } from 'node:stream';
import { NetworkError } from '../../../src/ports/registry-errors';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ResourceError } from '../../../src/domain/errors';
import {
  answer,
  answerJson,
  silent,
  trickleBody,
  trickleHeaders,
  type HostileRequest,
  type HostileServer,
  hostileRegistries,
} from '../support/hostile-server';
import { withRegistry } from '../support/registry-server';
import { generatedBlob, makeClient, readAll } from './client-fixture';

/** Registries whose `/v2/` ping works and whose other paths go to `route`. */
const registry = hostileRegistries();

const TIMEOUT_MS = 300;
const fast = { timeoutMs: TIMEOUT_MS, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, totalMs: 10_000 } };
const repoOf = (s: HostileServer): { registry: string; path: string } => ({ registry: s.host, path: 'hung/repo' });
const tries = (s: HostileServer, part: string): HostileRequest[] => s.requests.filter((r) => r.target.includes(part));
const blob = generatedBlob('hung-registry', 4096);

async function failure(promise: Promise<unknown>): Promise<ResourceError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as ResourceError,
  );
}

describe('a registry that never answers', { timeout: 15_000 }, () => {
  it('times out a manifest fetch, retries it once, and names the registry and the wait', async () => {
    const s = await registry(() => silent());
    const { client, logger } = makeClient(fast);
    const started = Date.now();
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(
      `fetching manifest v1 of ${s.host}/hung/repo failed: ${s.url} sent no answer within 0.3s (after 2 attempts)`,
    );
    expect(tries(s, '/manifests/v1')).toHaveLength(2);
    expect(logger.warnings).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect.poll(() => s.clientClosed()).toBe(2);
  });

  it('times out status and headers sent a byte at a time (each byte would reset an idle timer)', async () => {
    const s = await registry(({ socket }) => trickleHeaders(socket, 20));
    const { client } = makeClient(fast);
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error.message).toContain(`${s.url} sent no answer within 0.3s (after 2 attempts)`);
  });

  it('times out a token realm that never answers', async () => {
    const s = await registry((request) => {
      if (request.target.startsWith('/token')) return silent();
      answerJson(
        request.socket,
        401,
        {},
        { 'WWW-Authenticate': `Bearer realm="${'http://' + request.headers.host}/token",service="svc"` },
      );
    });
    const { client } = makeClient(fast);
    const error = await failure(client.listTags(repoOf(s)));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(
      `fetching a token for ${s.host}/hung/repo from ${s.url} failed: ${s.url} sent no answer within 0.3s (after 2 attempts)`,
    );
    expect(tries(s, '/token')).toHaveLength(2);
  });

  it('times out an upload whose POST is never answered', async () => {
    const s = await registry((request) => {
      if (request.method === 'HEAD') return answer(request.socket, 404);
      silent();
    });
    const { client } = makeClient(fast);
    const error = await failure(client.pushBlob(repoOf(s), blob, { open: blob.open }));
    expect(error.message).toMatch(new RegExp(`${s.url} sent no answer within 0\\.3s`));
    expect(tries(s, '/blobs/uploads/').length).toBeGreaterThanOrEqual(2);
  });

  it('times out an upload whose PUT body is taken and never answered', async () => {
    const s = await registry((request) => {
      if (request.method === 'HEAD') return answer(request.socket, 404);
      if (request.method === 'POST') return answer(request.socket, 202, { Location: '/v2/hung/repo/blobs/uploads/u1' });
      silent();
    });
    const { client } = makeClient(fast);
    const error = await failure(client.pushBlob(repoOf(s), blob, { open: blob.open }));
    expect(error.message).toMatch(new RegExp(`${s.url} sent no answer within 0\\.3s`));
    expect(s.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(2);
  });
});

describe('an upload whose source stalls', { timeout: 15_000 }, () => {
  it('fails with a line saying no upload data moved', async () => {
    const s = await registry((request) => {
      if (request.method === 'HEAD') return answer(request.socket, 404);
      if (request.method === 'POST') return answer(request.socket, 202, { Location: '/v2/hung/repo/blobs/uploads/u1' });
      silent();
    });
    const stalling = (): Readable =>
      new Readable({
        read() {
          // never pushes: the layer file is on a hung disk or network share
        },
      });
    const { client } = makeClient(fast);
    const error = await failure(client.pushBlob(repoOf(s), blob, { open: stalling }));
    expect(error.message).toMatch(new RegExp(`${s.url} took no upload data for 0\\.3s`));
  });
});

describe('a registry that trickles its body', { timeout: 15_000 }, () => {
  it('refuses a manifest arriving a byte at a time, saying how little came', async () => {
    const s = await registry(({ socket }) =>
      trickleBody(socket, { 'Content-Type': 'application/json', 'Content-Length': '100000' }, 20),
    );
    const { client } = makeClient(fast);
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error.message).toMatch(
      new RegExp(`^fetching manifest v1 of ${s.host}/hung/repo failed: ${s.url} sent only \\d+ bytes in 0\\.3s`),
    );
    expect(tries(s, '/manifests/v1')).toHaveLength(2);
  });

  it('gives up a layer download that trickles, after resuming within the retry budget', async () => {
    const s = await registry(({ socket }) =>
      trickleBody(socket, { 'Content-Length': String(blob.size), 'Accept-Ranges': 'bytes' }, 20),
    );
    const { client, logger } = makeClient(fast);
    const stream = await client.getBlob(repoOf(s), { digest: blob.digest, size: blob.size });
    const error = await failure(readAll(stream));
    expect(error.message).toMatch(
      new RegExp(
        `^blob ${blob.digest} of ${s.host}/hung/repo: download broke after \\d+ bytes: .*sent only \\d+ bytes in 0\\.3s`,
      ),
    );
    expect(logger.warnings.some((w) => w.includes('resuming from byte'))).toBe(true);
    expect(client.slotsInUse).toBe(0);
  });
});

describe('the step deadline', { timeout: 15_000 }, () => {
  it('ends a layer download that keeps moving, in one line naming the deadline, and nothing starts after it', async () => {
    // 2 KiB every 20 ms is well above the stall floor: only the deadline can end this.
    const s = await registry(({ socket }) =>
      trickleBody(socket, { 'Content-Length': String(10 * 1024 * 1024) }, 20, 2048),
    );
    const budgetMs = 800;
    const { client, logger } = makeClient({ ...fast, deadline: { atMs: Date.now() + budgetMs, budgetMs } });
    const started = Date.now();
    const stream = await client.getBlob(repoOf(s), { digest: blob.digest, size: 10 * 1024 * 1024 });
    const error = await failure(readAll(stream));
    expect(error.message).toBe(
      `blob ${blob.digest} of ${s.host}/hung/repo: the step's 0.8s deadline passed (REGISTRY_IMAGE_STEP_TIMEOUT)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logger.warnings).toEqual([]);
    const later = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(later.message).toBe(
      `fetching manifest v1 of ${s.host}/hung/repo failed: the step's 0.8s deadline passed (REGISTRY_IMAGE_STEP_TIMEOUT)`,
    );
    expect(tries(s, '/manifests/')).toHaveLength(0);
  });
});

describe('a slow upload that keeps moving, to the real registry', { timeout: 15_000 }, () => {
  const reg = withRegistry();

  it('is not cut at timeoutMs: only a stall or the missing answer count', async () => {
    const slow = generatedBlob('hung-registry-slow-upload', 12 * 64 * 1024);
    // 12 chunks 100 ms apart: 1.2 s of sending under a 0.3 s timeout.
    const open = (): Readable =>
      Readable.from(
        (async function* () {
          for await (const chunk of slow.open()) {
            await sleep(100);
            yield chunk as Buffer;
          }
        })(),
      );
    const repo = { registry: reg.get().host, path: 'hung/slow-upload' };
    for (const monolithicUploadMaxBytes of [64 * 1024 * 1024, 0]) {
      const { client, logger } = makeClient({ ...fast, monolithicUploadMaxBytes, uploadChunkBytes: 1024 * 1024 });
      await client.pushBlob({ ...repo, path: `${repo.path}-${monolithicUploadMaxBytes}` }, slow, { open });
      expect(logger.warnings).toEqual([]);
      expect(await client.hasBlob({ ...repo, path: `${repo.path}-${monolithicUploadMaxBytes}` }, slow.digest)).toBe(
        true,
      );
    }
  });
});
