/**
 * `bin/in` with `params.platforms` against the real registry (docker-registry on 127.0.0.1):
 * an index of three platforms, two kept. skopeo and umoci read what we wrote.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  buildIndex,
  layerFromFiles,
  pushIndex,
  type BuiltImage,
  type Platform,
} from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';

const exec = promisify(execFile);

interface InResponse {
  version: { tag?: string; digest: string };
  metadata: Array<{ name: string; value: string }>;
}

interface IndexJson {
  mediaType: string;
  manifests: Array<{ digest: string; size: number; mediaType: string; platform: Platform }>;
}

const platformImage = (platform: Platform): BuiltImage =>
  buildImage({
    layers: [layerFromFiles([{ path: 'platform', content: `${platform.architecture}${platform.variant ?? ''}` }])],
    config: { Labels: { arch: platform.architecture } },
    platform,
  });

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('in with params.platforms against a real registry', () => {
  const registry = withRegistry();
  let work: string;
  const dest = (): string => mkdtempSync(join(work, 'dest-'));
  const amd64 = platformImage({ os: 'linux', architecture: 'amd64' });
  const arm64 = platformImage({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  const s390x = platformImage({ os: 'linux', architecture: 's390x' });
  const index = buildIndex([amd64, arm64, s390x]);
  let digest: string;

  beforeAll(async () => {
    work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'platforms-it-'));
    digest = await pushIndex(registry.get(), 'team/multi', 'latest', index);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const request = (platforms: string[], format = 'oci-layout'): object => ({
    source: { repository: `${registry.get().host}/team/multi` },
    version: { tag: 'latest', digest },
    params: { format, platforms },
  });

  it('keeps exactly the asked children; the cut index is index.json, the version stays the original', async () => {
    const dir = dest();
    const result = await runBin('in', request(['linux/arm64/v8', 'linux/amd64']), { args: [dir] });
    expect(result.stderr, result.stderr).not.toMatch(/^in: /m);
    expect(result.code).toBe(0);

    const layout = join(dir, 'oci');
    const indexBytes = readFileSync(join(layout, 'index.json'));
    const written = JSON.parse(indexBytes.toString('utf8')) as IndexJson;
    expect(written.mediaType).toBe(index.mediaType);
    expect(written.manifests).toEqual(
      [amd64, arm64].map((img) => ({
        mediaType: img.mediaType,
        digest: img.digest,
        size: img.manifestBytes.length,
        platform: img.platform,
      })),
    );
    const cutDigest = sha256(indexBytes);
    const json = result.json as InResponse;
    expect(json.version).toEqual({ tag: 'latest', digest: index.digest });
    expect(json.metadata).toContainEqual({ name: 'platforms_index_digest', value: cutDigest });
    expect(readFileSync(join(dir, 'digest'), 'utf8')).toBe(index.digest);

    // Every blob is named by its digest; the third platform's manifest, config and layer are absent.
    const blobs = readdirSync(join(layout, 'blobs/sha256')).map((hex) => `sha256:${hex}`);
    for (const blob of blobs) expect(sha256(readFileSync(join(layout, 'blobs', blob.replace(':', '/'))))).toBe(blob);
    const expected = [cutDigest, ...[amd64, arm64].flatMap((i) => [i.digest, i.configDigest, i.layers[0]?.digest])];
    expect(blobs.sort()).toEqual(expected.sort());
    for (const absent of [s390x.digest, s390x.configDigest, s390x.layers[0]?.digest, index.digest])
      expect(blobs).not.toContain(absent);

    // umoci accepts the layout as it is.
    await exec('/usr/bin/umoci', ['ls', '--layout', layout]);
    // skopeo 1.9 cannot pick an untagged entry of index.json, so a copy names the two entries
    // (ref.name annotations, nothing else changed) and skopeo reads and copies each from our blobs.
    const named = join(work, 'named');
    cpSync(layout, named, { recursive: true });
    writeFileSync(
      join(named, 'index.json'),
      JSON.stringify({
        ...written,
        manifests: written.manifests.map((m) => ({
          ...m,
          annotations: { 'org.opencontainers.image.ref.name': m.platform.architecture },
        })),
      }),
    );
    for (const img of [amd64, arm64]) {
      const ref = `oci:${named}:${img.platform.architecture}`;
      const { stdout } = await exec('/usr/bin/skopeo', ['inspect', ref]);
      const inspected = JSON.parse(stdout) as { Digest: string; Architecture: string; Labels: Record<string, string> };
      expect(inspected).toMatchObject({ Digest: img.digest, Architecture: img.platform.architecture });
      const copied = join(work, `copy-${img.platform.architecture}`);
      await exec('/usr/bin/skopeo', ['copy', ref, `dir:${copied}`]);
      expect(existsSync(join(copied, img.layers[0]?.digest.slice(7) ?? ''))).toBe(true);
      const stat = await exec('/usr/bin/umoci', ['stat', '--image', `${named}:${img.platform.architecture}`]);
      expect(stat.stdout).toContain(img.layers[0]?.digest ?? '');
    }
  });

  it('a put of the cut layout pushes the cut index, under the reported digest', async () => {
    const dir = dest();
    const got = await runBin('in', request(['linux/s390x', 'linux/amd64']), { args: [dir] });
    expect(got.code, got.stderr).toBe(0);
    const cut = (got.json as InResponse).metadata.find((m) => m.name === 'platforms_index_digest')?.value;
    const put = await runBin(
      'out',
      { source: { repository: `${registry.get().host}/team/cut` }, params: { image: 'oci', version: '1.0.0' } },
      { args: [dir] },
    );
    expect(put.code, put.stderr).toBe(0);
    expect((put.json as InResponse).version.digest).toBe(cut);
    const { stdout } = await exec('/usr/bin/skopeo', [
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${registry.get().host}/team/cut:1.0.0`,
    ]);
    const pushed = JSON.parse(stdout) as IndexJson;
    expect(pushed.manifests.map((m) => m.digest)).toEqual([amd64.digest, s390x.digest]);
  });

  it('fails in one line naming the missing platform and what the index has', async () => {
    const dir = dest();
    const result = await runBin('in', request(['linux/amd64', 'linux/ppc64le']), { args: [dir] });
    expect(result.code).not.toBe(0);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('in: '));
    expect(errors).toEqual([
      `in: ${registry.get().host}/team/multi@${index.digest} has no image for platform linux/ppc64le (it has: linux/amd64, linux/arm64/v8, linux/s390x)`,
    ]);
    expect(existsSync(join(dir, 'oci'))).toBe(false);
  });

  it('refuses platforms with another format before downloading', async () => {
    const dir = dest();
    const result = await runBin('in', request(['linux/amd64'], 'rootfs'), { args: [dir] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^in: params\.platforms needs format: oci-layout \(format rootfs/m);
    expect(readdirSync(dir)).toEqual([]);
  });
});
