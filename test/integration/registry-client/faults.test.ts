/**
 * The client through the fault-injecting proxy in front of the real registry: transient faults are
 * survived (with one warning line per retry), permanent ones fail at once and clearly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DigestMismatchError, type ResourceError } from '../../../src/domain/errors';
import {
  corrupt,
  dropTimes,
  failTimes,
  isBlobGet,
  isManifestGet,
  matching,
  redirectTo,
  startBlobHost,
  startProxy,
  truncate,
  type BlobHost,
  type RunningProxy,
} from '../support/http-proxy';
import { pushImage, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { generatedBlob, makeClient, readAll } from './client-fixture';

const tagsList = matching({ method: 'GET', path: /\/tags\/list/ });

describe('fault proxy in front of the real registry', () => {
  const reg = withRegistry({ auth: { htpasswd: { users: { alice: 'secret' } } } });
  let proxy: RunningProxy;
  let blobHost: BlobHost;
  const image = randomImage('client-faults');
  const big = generatedBlob('client-faults-big', 3 * 1024 * 1024);
  const layer = image.layers[0];

  beforeAll(async () => {
    await pushImage(reg.get(), 'client/faults', 'v1', image);
    const { client } = makeClient({ credentials: { [reg.get().host]: { username: 'alice', password: 'secret' } } });
    await client.pushBlob({ registry: reg.get().host, path: 'client/faults' }, big, { open: big.open });
    proxy = await startProxy(reg.get().url);
    blobHost = await startBlobHost();
  });
  afterAll(async () => {
    await proxy.stop();
    await blobHost.stop();
  });
  beforeEach(() => proxy.setHooks([]));

  const client = (): ReturnType<typeof makeClient> =>
    makeClient({ credentials: { [proxy.host]: { username: 'alice', password: 'secret' } } });
  const repo = (): { registry: string; path: string } => ({ registry: proxy.host, path: 'client/faults' });

  it('survives dropped connections', async () => {
    proxy.setHooks(dropTimes(2, isManifestGet));
    const { client: c, logger } = client();
    expect((await c.getManifest(repo(), 'v1'))?.digest).toBe(image.digest);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]).toMatch(/^fetching manifest v1 of 127\.0\.0\.1:\d+\/client\/faults: .*retrying in/);
  });

  it('survives a burst of 500 and 503 answers', async () => {
    proxy.setHooks([failTimes(1, tagsList, { status: 500 }), failTimes(2, tagsList, { status: 503 })]);
    const { client: c, logger } = client();
    expect(await c.listTags(repo())).toEqual(['v1']);
    expect(logger.warnings.map((w) => /HTTP (\d+)/.exec(w)?.[1])).toEqual(['500', '503', '503']);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    proxy.setHooks(
      failTimes(1, tagsList, {
        status: 429,
        headers: { 'Retry-After': '1' },
        body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
      }),
    );
    const { client: c, logger } = client();
    const started = Date.now();
    expect(await c.listTags(repo())).toEqual(['v1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(logger.warnings).toEqual([
      expect.stringContaining('HTTP 429 (TOOMANYREQUESTS: slow down); retrying in 1.0s'),
    ]);
  });

  it('gives up on a registry that keeps failing, naming the attempts', async () => {
    proxy.setHooks(failTimes(Infinity, tagsList, { status: 503 }));
    const { client: c } = client();
    await expect(c.listTags(repo())).rejects.toMatchObject({
      name: 'RegistryError',
      status: 503,
      message: expect.stringMatching(/HTTP 503 \(after 4 attempts\)$/),
    });
  });

  it('resumes a truncated blob from where it broke, and the bytes verify', async () => {
    proxy.setHooks(truncate(1024 * 1024, isBlobGet, 1));
    const { client: c, logger } = client();
    const bytes = await readAll(await c.getBlob(repo(), big));
    expect(bytes.length).toBe(big.size);
    expect(logger.warnings).toEqual([expect.stringMatching(/resuming from byte \d+ \(attempt 2\/4\)$/)]);
    const blobGets = proxy.requests.filter((r) => isBlobGet(r));
    expect(blobGets.at(-1)?.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('fails a blob whose body keeps breaking after the attempts', async () => {
    proxy.setHooks(truncate(1000, isBlobGet));
    const { client: c } = client();
    const stream = await c.getBlob(repo(), big);
    await expect(readAll(stream)).rejects.toMatchObject({
      name: 'NetworkError',
      message: expect.stringContaining('(after 4 attempts)'),
    });
  });

  it('rejects a blob with wrong bytes at once, without retrying', async () => {
    proxy.setHooks(corrupt(isBlobGet, 10));
    const { client: c } = client();
    if (!layer) throw new Error('fixture has no layer');
    const before = proxy.requests.filter((r) => isBlobGet(r)).length;
    const error = await readAll(await c.getBlob(repo(), { digest: layer.digest, size: layer.size })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as ResourceError).message).toContain(`expected ${layer.digest}`);
    expect(proxy.requests.filter((r) => isBlobGet(r)).length - before).toBe(1);
  });

  it('follows a blob redirect to a second host without sending Authorization there', async () => {
    if (!layer) throw new Error('fixture has no layer');
    const path = `/v2/client/faults/blobs/${layer.digest}`;
    blobHost.serve(path, layer.bytes);
    proxy.setHooks(redirectTo(blobHost.url, isBlobGet));
    const { client: c } = client();
    const bytes = await readAll(await c.getBlob(repo(), { digest: layer.digest, size: layer.size }));
    expect(bytes.equals(layer.bytes)).toBe(true);
    const served = blobHost.requests.filter((r) => r.path === path);
    expect(served).toHaveLength(1);
    expect(served[0]?.headers.authorization).toBeUndefined();
    // The registry itself did get credentials (the proxy saw them).
    expect(proxy.requests.at(-1)?.headers.authorization).toMatch(/^Basic /);
  });

  it('measures a loopback blob download', async () => {
    const { client: c } = makeClient({ credentials: { [reg.get().host]: { username: 'alice', password: 'secret' } } });
    const started = process.hrtime.bigint();
    const bytes = await readAll(await c.getBlob({ registry: reg.get().host, path: 'client/faults' }, big));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(bytes.length).toBe(big.size);
    console.log(
      `blob download: ${(big.size / 1048576 / seconds).toFixed(0)} MiB/s (${big.size} bytes in ${(seconds * 1000).toFixed(0)} ms)`,
    );
  });
});
