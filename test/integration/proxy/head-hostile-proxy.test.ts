/**
 * Registries and proxies that refuse HEAD (405, 403, 500) still work: like Go's headOrGet, a manifest
 * HEAD that fails for any reason but 404 is asked again as GET. bin/check in every mode, and bin/in,
 * through a loopback proxy in front of the real docker-registry.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerAlways, isManifestGet, isManifestHead, startProxy, type RunningProxy } from '../support/http-proxy';
import { layerFromFiles, buildImage, pushImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';

let registry: RunningRegistry;
let proxy: RunningProxy;
let work: string;
const digests: Record<string, string> = {};

const modes: Record<string, Record<string, unknown>> = {
  tag: { tag: 'latest' },
  semver: { semver_constraint: '>= 1.0.0' },
  tag_regex: { tag_regex: '^nightly-' },
};

async function check(host: string, mode: Record<string, unknown>): Promise<unknown> {
  const result = await runBin('check', { source: { repository: `${host}/hostile/app`, ...mode } });
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry.url);
  for (const [tag, seed] of [
    ['latest', 'b'],
    ['1.0.0', 'a'],
    ['1.2.0', 'b'],
    ['nightly-1', 'a'],
    ['nightly-2', 'c'],
  ] as const) {
    const image = buildImage({ layers: [layerFromFiles([{ path: 'seed', content: seed }])] });
    digests[tag] = await pushImage(registry, 'hostile/app', tag, image);
  }
  work = mkdtempSync(join(tmpdir(), 'head-hostile-'));
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each([405, 403, 500])('a proxy answering every manifest HEAD with %i', (status) => {
  beforeAll(() => proxy.setHooks(answerAlways(isManifestHead, { status, body: 'no HEAD here' })));

  it.each(Object.keys(modes))('check in %s mode gives what the registry itself gives', async (mode) => {
    const settings = modes[mode] ?? {};
    const direct = await check(registry.host, settings);
    expect(direct).not.toEqual([]);
    const heads = proxy.count('HEAD', /\/manifests\//);
    const gets = proxy.count('GET', /\/manifests\//);
    expect(await check(proxy.host, settings)).toEqual(direct);
    expect(proxy.count('HEAD', /\/manifests\//)).toBeGreaterThan(heads);
    expect(proxy.count('GET', /\/manifests\//)).toBeGreaterThan(gets);
  });

  it('check in tag mode reports the digest', async () => {
    expect(await check(proxy.host, modes.tag ?? {})).toEqual([{ tag: 'latest', digest: digests.latest }]);
  });

  it('in fetches the image', async () => {
    const dest = mkdtempSync(join(work, `in-${status}-`));
    const result = await runBin(
      'in',
      { source: { repository: `${proxy.host}/hostile/app` }, version: { tag: '1.2.0', digest: digests['1.2.0'] } },
      { args: [dest] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(dest, 'rootfs'))).toContain('seed');
  });
});

it('a 404 on HEAD still means the tag is gone, with no GET', async () => {
  proxy.setHooks(answerAlways(isManifestHead, { status: 404 }));
  const gets = proxy.requests.filter(isManifestGet).length;
  expect(await check(proxy.host, modes.tag ?? {})).toEqual([]);
  expect(proxy.requests.filter(isManifestGet).length).toBe(gets);
});
