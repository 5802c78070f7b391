/**
 * Docker Hub rate-limit awareness against the real docker-registry behind a fake Hub front (see
 * hub-budget.ts): the budget is logged once per step, `check` spends no pull, and a `get` whose
 * budget runs out between the index and its child waits for the window or fails at once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  buildIndex,
  layerFromFiles,
  pushImage,
  pushIndex,
  type BuiltImage,
} from '../support/image-fixtures';
import { isManifestGet, isManifestHead, startProxy, type RunningProxy } from '../support/http-proxy';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { hubBudget } from './hub-budget';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const image = (arch: string): BuiltImage =>
  buildImage({
    layers: [layerFromFiles([{ path: 'arch', content: arch }])],
    platform: { os: 'linux', architecture: arch },
  });

const budgetLines = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => /rate limit of .*pulls left per/.test(l) && !/waiting/.test(l));

describe('Docker Hub rate limits (fake Hub front before the real registry)', () => {
  const registry = withRegistry();
  let front: RunningProxy | undefined;
  let work: string;
  const index = buildIndex([image('amd64'), image('arm64')]);
  let indexDigest: string;

  beforeAll(async () => {
    work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'rate-limits-it-'));
    indexDigest = await pushIndex(registry.get(), 'library/multi', 'latest', index);
    const single = image('amd64');
    for (let minor = 0; minor < 12; minor++) await pushImage(registry.get(), 'library/many', `1.${minor}.0`, single);
  });
  afterEach(async () => {
    await front?.stop();
    front = undefined;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function startFront(options: Parameters<typeof hubBudget>[0]) {
    const budget = hubBudget(options);
    front = await startProxy(registry.get().url, budget.hook);
    return { budget, front };
  }

  it('check (semver mode, 12 tags, and tag mode) sends only HEAD manifest requests and logs the budget once', async () => {
    const { front } = await startFront({ limit: 100, remaining: 87, windowSeconds: 21600, source: '198.51.100.9' });
    const semver = await runBin('check', { source: { repository: `${front.host}/library/many` } });
    expect(semver.code, semver.stderr).toBe(0);
    expect(semver.json).toHaveLength(1);
    expect(front.requests.filter(isManifestHead).length).toBeGreaterThanOrEqual(1);
    expect(front.requests.filter(isManifestGet)).toEqual([]);
    expect(budgetLines(semver.stderr)).toEqual([
      `rate limit of ${front.host}: 87 of 100 pulls left per 6h (source 198.51.100.9)`,
    ]);

    const heads = front.requests.filter(isManifestHead).length;
    const tagged = await runBin('check', { source: { repository: `${front.host}/library/many`, tag: '1.3.0' } });
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(front.requests.filter(isManifestHead).length).toBe(heads + 1);
    expect(front.requests.filter(isManifestGet)).toEqual([]);
    expect(budgetLines(tagged.stderr)).toHaveLength(1);
  });

  it('get: the index takes the last pull; the child GET waits out the short window, then succeeds', async () => {
    const { budget, front } = await startFront({ limit: 3, remaining: 1, windowSeconds: 2 });
    const dir = mkdtempSync(join(work, 'wait-'));
    const result = await runBin(
      'in',
      {
        source: { repository: `${front.host}/library/multi` },
        version: { tag: 'latest', digest: indexDigest },
        params: { platform: { architecture: 'arm64' } },
      },
      { args: [dir] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'rootfs/arch'), 'utf8')).toBe('arm64');
    expect(budget.refused).toBe(0);
    expect(budget.pulls).toHaveLength(2);
    const [indexPull = 0, childPull = 0] = budget.pulls;
    expect(childPull - indexPull).toBeGreaterThanOrEqual(1900);
    expect(result.stderr).toMatch(
      new RegExp(
        `rate limit of ${front.host.replace(/\./g, '\\.')}: 0 of 3 pulls left per 2\\.0s; waiting \\d\\.\\ds until \\S+Z before fetching manifest sha256:`,
      ),
    );
    expect(budgetLines(result.stderr)).toEqual([
      `rate limit of ${front.host}: 0 of 3 pulls left per 2.0s (source 203.0.113.7)`,
    ]);
  });

  it('get: a window beyond the step budget fails at once, naming when pulls are freed', async () => {
    const { budget, front } = await startFront({ limit: 100, remaining: 1, windowSeconds: 21600 });
    const dir = mkdtempSync(join(work, 'fail-'));
    const started = Date.now();
    const result = await runBin(
      'in',
      {
        source: { repository: `${front.host}/library/multi` },
        version: { digest: indexDigest },
        params: { format: 'rootfs' },
      },
      { args: [dir] },
    );
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('in: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^in: fetching manifest sha256:[0-9a-f]{64} of \S+ needs a pull, but rate limit of \S+: 0 of 100 pulls left per 6h; the window frees pulls at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 2160\d s\), beyond the retry budget \(\S+ left\)$/,
    );
    const freesAt = Date.parse(/frees pulls at (\S+)/.exec(errors[0] ?? '')?.[1] ?? '');
    expect(Math.abs(freesAt - (budget.pulls[0] ?? 0) - 21_600_000)).toBeLessThan(2000);
    expect(budget.pulls).toHaveLength(1);
    expect(budget.refused).toBe(0);
  });
});
