/**
 * OCI layouts on `out`, as the Go resource reads them, against the real registry: our own `get`
 * (`format: oci-layout`) followed by `put` gives back the digest `check` found, and layouts
 * written by skopeo are pushed the way go-containerregistry's `layout.ImageIndexFromPath` does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIndex,
  getManifest,
  pushImage,
  pushIndex,
  randomImage,
  sha256Digest,
  type BuiltIndex,
} from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { indexBlobOf } from '../../unit/adapters/image-input/layout-fixtures';

const exec = promisify(execFile);

interface Version {
  tag?: string;
  digest: string;
}

describe('OCI layouts: get then put keeps the digest', () => {
  const registry = withRegistry();
  let work: string;
  const repository = (repo: string): string => `${registry.get().host}/${repo}`;

  beforeAll(() => {
    work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'layout-rt-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function run(step: 'check' | 'in' | 'out', request: object, args: string[] = []): Promise<unknown> {
    const result = await runBin(step, request, { args });
    expect(result.code, result.stderr).toBe(0);
    return result.json;
  }

  /** check (tag) → in (oci-layout) → out (to another repository) → check there. */
  async function roundTrip(from: string, to: string): Promise<{ found: Version; pushed: Version; dir: string }> {
    const [found] = (await run('check', { source: { repository: repository(from), tag: 'v1' } })) as Version[];
    if (!found) throw new Error(`check found nothing in ${from}`);
    const dir = mkdtempSync(join(work, 'get-'));
    await run('in', { source: { repository: repository(from) }, version: found, params: { format: 'oci-layout' } }, [
      dir,
    ]);
    const put = (await run('out', { source: { repository: repository(to), tag: 'copy' }, params: { image: 'oci' } }, [
      dir,
    ])) as { version: Version };
    const [checked] = (await run('check', { source: { repository: repository(to), tag: 'copy' } })) as Version[];
    expect(checked?.digest).toBe(put.version.digest);
    return { found, pushed: put.version, dir };
  }

  async function stored(repo: string, ref: string): Promise<{ mediaType?: string; bytes: Buffer }> {
    const res = await getManifest(registry.get(), repo, ref);
    expect(res.status).toBe(200);
    return res;
  }

  it('a multi-arch OCI index: index.json is pushed as the index, children first', async () => {
    const index = buildIndex([
      randomImage('rt-amd', { layers: 2 }),
      randomImage('rt-arm', { platform: { os: 'linux', architecture: 'arm64' } }),
    ]);
    await pushIndex(registry.get(), 'rt/multi', 'v1', index);
    const { found, pushed, dir } = await roundTrip('rt/multi', 'rt/multi-copy');
    expect(found.digest).toBe(index.digest);
    expect(pushed.digest).toBe(index.digest);
    expect(sha256Digest(readFileSync(join(dir, 'oci/index.json')))).toBe(index.digest);
    expect((await stored('rt/multi-copy', 'copy')).bytes.equals(index.manifestBytes)).toBe(true);
    for (const child of index.images)
      expect((await stored('rt/multi-copy', child.digest)).bytes.length).toBeGreaterThan(0);
  });

  it('a Docker manifest list keeps its digest and its media type', async () => {
    const list = buildIndex([randomImage('rt-docker-amd', { mediaTypes: 'docker' })], { mediaType: 'docker' });
    await pushIndex(registry.get(), 'rt/list', 'v1', list);
    const { pushed } = await roundTrip('rt/list', 'rt/list-copy');
    expect(pushed.digest).toBe(list.digest);
    expect((await stored('rt/list-copy', 'copy')).mediaType).toBe(list.mediaType);
  });

  it('a single image: the single-image-digest marker makes put push the image itself', async () => {
    const image = randomImage('rt-single', { layers: 2 });
    await pushImage(registry.get(), 'rt/single', 'v1', image);
    const { pushed, dir } = await roundTrip('rt/single', 'rt/single-copy');
    expect(readFileSync(join(dir, 'oci/single-image-digest'), 'utf8')).toBe(image.digest);
    expect(pushed.digest).toBe(image.digest);
    expect((await stored('rt/single-copy', 'copy')).bytes.equals(image.manifestBytes)).toBe(true);
  });

  it('an index holding a nested index and an image', async () => {
    const inner = buildIndex([
      randomImage('rt-inner-amd'),
      randomImage('rt-inner-arm', { platform: { os: 'linux', architecture: 'arm64' } }),
    ]);
    const ppc = randomImage('rt-ppc', { platform: { os: 'linux', architecture: 'ppc64le' } });
    await pushIndex(registry.get(), 'rt/nested', inner.digest, inner);
    const outerBlob = indexBlobOf([inner, ppc]);
    const outer: BuiltIndex = { ...outerBlob, images: [ppc] };
    await pushIndex(registry.get(), 'rt/nested', 'v1', outer);
    const { pushed, dir } = await roundTrip('rt/nested', 'rt/nested-copy');
    expect(pushed.digest).toBe(outer.digest);
    expect(existsSync(join(dir, 'oci/blobs/sha256', inner.digest.slice(7)))).toBe(true);
    expect((await stored('rt/nested-copy', inner.digest)).bytes.equals(inner.manifestBytes)).toBe(true);
  });

  describe('layouts skopeo wrote (no marker)', () => {
    async function skopeo(...args: string[]): Promise<void> {
      await exec('/usr/bin/skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
    }

    async function put(dir: string, repo: string): Promise<Version> {
      const res = (await run(
        'out',
        { source: { repository: repository(repo), tag: 'pushed' }, params: { image: 'oci' } },
        [dir],
      )) as { version: Version };
      return res.version;
    }

    it('one image: pushed as the layout index (index.json), as Go does, with the image as its child', async () => {
      const image = randomImage('sk-one');
      await pushImage(registry.get(), 'sk/one', 'v1', image);
      const dir = mkdtempSync(join(work, 'sk-one-'));
      await skopeo('copy', '--src-tls-verify=false', `docker://${repository('sk/one')}:v1`, `oci:${join(dir, 'oci')}`);
      const indexJson = readFileSync(join(dir, 'oci/index.json'));
      const pushed = await put(dir, 'sk/one-copy');
      expect(pushed.digest).toBe(sha256Digest(indexJson));
      const tagged = await stored('sk/one-copy', 'pushed');
      expect(tagged.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(tagged.bytes.equals(indexJson)).toBe(true);
      expect((await stored('sk/one-copy', image.digest)).bytes.equals(image.manifestBytes)).toBe(true);
    });

    it('two tagged images in one layout: pushed together as one index', async () => {
      const first = randomImage('sk-first');
      const second = randomImage('sk-second', { layers: 2 });
      await pushImage(registry.get(), 'sk/two', 'a', first);
      await pushImage(registry.get(), 'sk/two', 'b', second);
      const dir = mkdtempSync(join(work, 'sk-two-'));
      for (const tag of ['a', 'b'])
        await skopeo(
          'copy',
          '--src-tls-verify=false',
          `docker://${repository('sk/two')}:${tag}`,
          `oci:${join(dir, 'oci')}:${tag}`,
        );
      const indexJson = readFileSync(join(dir, 'oci/index.json'));
      const pushed = await put(dir, 'sk/two-copy');
      expect(pushed.digest).toBe(sha256Digest(indexJson));
      const manifests = (
        JSON.parse((await stored('sk/two-copy', 'pushed')).bytes.toString()) as {
          manifests: Array<{ digest: string }>;
        }
      ).manifests.map((m) => m.digest);
      expect(manifests).toEqual([first.digest, second.digest]);
      for (const image of [first, second])
        expect((await stored('sk/two-copy', image.digest)).bytes.equals(image.manifestBytes)).toBe(true);
    });
  });
});
