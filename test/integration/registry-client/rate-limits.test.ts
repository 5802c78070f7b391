/**
 * The `in`/`out` retry settings (retrySettingsFor, TEST=true as in Go's suites) through the fault
 * proxy in front of the real registry: rate limits are waited out as long as Retry-After asks, one
 * warning line per wait, and a Retry-After beyond the step's budget fails at once with the reset time.
 * Each test has its own proxy, so they run side by side and the file takes one set of waits.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { retrySettingsFor } from '../../../src/adapters/registry/step-retry-settings';
import {
  dropTimes,
  failTimes,
  isBlobGet,
  isManifestGet,
  matching,
  startProxy,
  type ProxyHook,
  type RunningProxy,
} from '../support/http-proxy';
import { pushImage, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { generatedBlob, makeClient, readAll } from './client-fixture';

const REPO = 'client/rate-limits';
const tooManyRequests = (retryAfter: string): { status: number; headers: Record<string, string>; body: string } => ({
  status: 429,
  headers: { 'Retry-After': retryAfter, 'Content-Type': 'application/json' },
  body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
});
/** A budget left, as the policy prints it: `1h`, `59m58s`, `2m`. */
const LEFT = String.raw`(?:1h|\d+m(?:\d+s)?)`;
const isUploadPut = matching({ method: 'PUT', path: /\/blobs\/uploads\// });
const isUploadStart = matching({ method: 'POST', path: /\/blobs\/uploads\/$/ });

describe.concurrent('rate limits in the in/out steps, against the real registry', () => {
  const reg = withRegistry();
  const image = randomImage('client-rate-limits');
  const proxies: RunningProxy[] = [];

  beforeAll(async () => {
    await pushImage(reg.get(), REPO, 'v1', image);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
  });

  async function stepClient(step: 'in' | 'out', hooks: ProxyHook[]) {
    const proxy = await startProxy(reg.get().url, hooks);
    proxies.push(proxy);
    const { client, logger } = makeClient({ retry: retrySettingsFor(step, { TEST: 'true' }) });
    return { client, logger, proxy, repo: { registry: proxy.host, path: REPO } };
  }

  /** The three one-second waits, each one line naming what, why and how long. */
  const threeWaits = (what: string): RegExp[] =>
    [2, 3, 4].map(
      (attempt) =>
        new RegExp(
          `^${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: HTTP 429 \\(TOOMANYREQUESTS: slow down\\); retrying in 1\\.0s as Retry-After asks \\(attempt ${attempt}; ${LEFT} of the step's 1h retry budget left\\)$`,
        ),
    );

  it('waits out three 429s on a manifest GET', async ({ expect }) => {
    const { client, logger, proxy, repo } = await stepClient('in', [failTimes(3, isManifestGet, tooManyRequests('1'))]);
    const started = Date.now();
    expect((await client.getManifest(repo, 'v1'))?.digest).toBe(image.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(proxy.requests.filter(isManifestGet)).toHaveLength(4);
    const waits = threeWaits(`fetching manifest v1 of ${proxy.host}/${REPO}`);
    expect(logger.warnings).toEqual(waits.map((w) => expect.stringMatching(w)));
  });

  it('waits out three 429s on a blob GET, and the bytes verify', async ({ expect }) => {
    const layer = image.layers[0];
    if (!layer) throw new Error('fixture has no layer');
    const { client, logger, proxy, repo } = await stepClient('in', [failTimes(3, isBlobGet, tooManyRequests('1'))]);
    const bytes = await readAll(await client.getBlob(repo, { digest: layer.digest, size: layer.size }));
    expect(bytes.equals(layer.bytes)).toBe(true);
    expect(proxy.requests.filter(isBlobGet)).toHaveLength(4);
    const waits = threeWaits(`fetching blob ${layer.digest} of ${proxy.host}/${REPO}`);
    expect(logger.warnings).toEqual(waits.map((w) => expect.stringMatching(w)));
  });

  it('waits out three 429s on a blob upload, restarting the whole upload each time', async ({ expect }) => {
    const blob = generatedBlob('client-rate-limits-upload', 300 * 1024);
    const { client, logger, proxy, repo } = await stepClient('out', [failTimes(3, isUploadPut, tooManyRequests('1'))]);
    await client.pushBlob(repo, blob, { open: blob.open });
    // Each retry opened a fresh upload session and streamed the blob again from the start.
    expect(proxy.requests.filter(isUploadStart)).toHaveLength(4);
    expect(proxy.requests.filter(isUploadPut)).toHaveLength(4);
    const direct = makeClient().client;
    expect(await direct.hasBlob({ registry: reg.get().host, path: REPO }, blob.digest)).toBe(true);
    const waits = threeWaits(`pushing blob ${blob.digest} to ${proxy.host}/${REPO}`);
    expect(logger.warnings).toEqual(waits.map((w) => expect.stringMatching(w)));
  });

  it('fails at once when Retry-After lies beyond the step budget, saying when the limit resets', async ({ expect }) => {
    const { client, logger, proxy, repo } = await stepClient('in', [
      failTimes(Infinity, isManifestGet, tooManyRequests('7200')),
    ]);
    const started = Date.now();
    const error = await client.getManifest(repo, 'v1').catch((e: unknown) => e);
    // No wait at all: one request (asserted below) and far less than any backoff step; the bound is
    // loose because the suite shares two cores (1.2 s was seen under full load).
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error).toMatchObject({
      name: 'RegistryError',
      message: expect.stringMatching(
        new RegExp(
          `^fetching manifest v1 of ${proxy.host}/${REPO} failed: HTTP 429 \\(TOOMANYREQUESTS: slow down\\); the rate limit resets at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(in 7200 s\\), beyond the retry budget \\(${LEFT} left\\)$`,
        ),
      ),
    });
    const resetAt = Date.parse(/resets at (\S+)/.exec((error as Error).message)?.[1] ?? '');
    expect(Math.abs(resetAt - (started + 7_200_000))).toBeLessThan(5_000);
    expect(proxy.requests.filter(isManifestGet)).toHaveLength(1);
    expect(logger.warnings).toEqual([]);
  });

  it('waits out more dropped connections than the short policy allows', async ({ expect }) => {
    const { client, logger, repo } = await stepClient('in', [dropTimes(6, isManifestGet)]);
    expect((await client.getManifest(repo, 'v1'))?.digest).toBe(image.digest);
    expect(logger.warnings).toHaveLength(6);
    expect(logger.warnings[5]).toMatch(
      new RegExp(String.raw`; retrying in 0\.\ds \(attempt 7; ${LEFT} of the step's 1h retry budget left\)$`),
    );
  });
});
