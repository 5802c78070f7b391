import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { pushImage } from '../../../../src/application/out/push-image';
import type { ImageInput, ManifestBlob } from '../../../../src/ports/image-input-port';
import type { Logger } from '../../../../src/ports/logger';
import { buildImage, buildIndex, layerFromFiles } from '../../../integration/support/image-fixtures';

const repo = { registry: 'r.example', path: 'app' };
const quiet: Logger = { info: () => {}, warn: () => {}, debug: () => {}, debugEnabled: false };
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An input over in-memory blobs, so these tests exercise the push order and checks alone. */
function memoryInput(root: ManifestBlob, blobs: Buffer[], manifests: Buffer[] = []): ImageInput & { opened: string[] } {
  const byDigest = new Map(blobs.map((b) => [sha(b), b]));
  const manifestsByDigest = new Map(manifests.map((m) => [sha(m), m]));
  const opened: string[] = [];
  return {
    kind: 'oci-layout',
    path: '/src/layout',
    root,
    opened,
    manifest: async (d) => manifestsByDigest.get(d),
    hasBlob: async (d) => byDigest.has(d),
    openBlob: (d) => {
      opened.push(d);
      return Readable.from([byDigest.get(d) as Buffer]);
    },
    close: async () => {},
  };
}

describe('pushImage', () => {
  const layer = layerFromFiles([{ path: 'f', content: 'data' }]);
  const image = buildImage({ layers: [layer] });
  const root = { digest: image.digest, mediaType: image.mediaType, bytes: image.manifestBytes };

  it('uploads each blob once even when two children share it', async () => {
    const other = buildImage({ layers: [layer], platform: { os: 'linux', architecture: 'arm64' } });
    const index = buildIndex([image, other]);
    const input = memoryInput(
      { digest: index.digest, mediaType: index.mediaType, bytes: index.manifestBytes },
      [layer.bytes, image.configBytes, other.configBytes],
      [image.manifestBytes, other.manifestBytes],
    );
    const registry = new InMemoryRegistry();
    expect(await pushImage(registry, repo, input, ['x'], quiet, { concurrency: 3 })).toBe(index.digest);
    expect(input.opened.filter((d) => d === layer.digest)).toHaveLength(1);
  });

  it('fails, naming the digest, when a blob the manifest needs is not in the input', async () => {
    const input = memoryInput(root, [image.configBytes]);
    await expect(pushImage(new InMemoryRegistry(), repo, input, ['x'], quiet, { concurrency: 2 })).rejects.toThrow(
      `/src/layout: layer ${layer.digest} is missing from the image input`,
    );
  });

  it('skips foreign layers (with urls) that the input does not carry', async () => {
    const manifest = JSON.parse(image.manifestBytes.toString()) as { layers: Array<Record<string, unknown>> };
    manifest.layers.push({
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: sha(Buffer.from('win')),
      size: 3,
      urls: ['https://example.invalid/l'],
    });
    const bytes = Buffer.from(JSON.stringify(manifest));
    const input = memoryInput({ digest: sha(bytes), mediaType: image.mediaType, bytes }, [
      layer.bytes,
      image.configBytes,
    ]);
    const registry = new InMemoryRegistry();
    await pushImage(registry, repo, input, ['x'], quiet, { concurrency: 2 });
    expect(registry.store.manifest(repo, 'x')?.digest).toBe(sha(bytes));
  });

  it('puts a nested index only once the images it lists are in, as a registry requires', async () => {
    const arm = buildImage({ layers: [layer], platform: { os: 'linux', architecture: 'arm64' } });
    const inner = buildIndex([image, arm]);
    const ppc = buildImage({ layers: [layer], platform: { os: 'linux', architecture: 'ppc64le' } });
    const outer = buildIndex([ppc]);
    const outerJson = JSON.parse(outer.manifestBytes.toString()) as { manifests: object[] };
    outerJson.manifests.unshift({ mediaType: inner.mediaType, digest: inner.digest, size: inner.manifestBytes.length });
    const outerBytes = Buffer.from(JSON.stringify(outerJson));
    const input = memoryInput(
      { digest: sha(outerBytes), mediaType: outer.mediaType, bytes: outerBytes },
      [layer.bytes, image.configBytes, arm.configBytes, ppc.configBytes],
      [inner.manifestBytes, image.manifestBytes, arm.manifestBytes, ppc.manifestBytes],
    );
    const registry = new InMemoryRegistry();
    const put = registry.putManifest.bind(registry);
    registry.putManifest = async (r, reference, mediaType, bytes) => {
      const listed = (JSON.parse(bytes.toString()) as { manifests?: Array<{ digest: string }> }).manifests ?? [];
      // Images arrive slowly, so an index put too early finds them missing.
      if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const { digest } of listed) {
        if (!registry.store.manifest(r, digest)) throw new Error(`MANIFEST_BLOB_UNKNOWN ${digest}`);
      }
      return put(r, reference, mediaType, bytes);
    };
    expect(await pushImage(registry, repo, input, ['x'], quiet, { concurrency: 8 })).toBe(sha(outerBytes));
    expect(registry.store.manifest(repo, inner.digest)?.digest).toBe(inner.digest);
  });

  it('fails when an index child manifest is absent', async () => {
    const index = buildIndex([image]);
    const input = memoryInput({ digest: index.digest, mediaType: index.mediaType, bytes: index.manifestBytes }, []);
    await expect(pushImage(new InMemoryRegistry(), repo, input, ['x'], quiet, { concurrency: 2 })).rejects.toThrow(
      `manifest ${image.digest} listed in the index is missing`,
    );
  });

  it('refuses to report success when the registry stores the manifest under another digest', async () => {
    const registry = new InMemoryRegistry();
    registry.putManifest = async () => 'sha256:' + '0'.repeat(64);
    const input = memoryInput(root, [layer.bytes, image.configBytes]);
    await expect(pushImage(registry, repo, input, ['v1'], quiet, { concurrency: 2 })).rejects.toThrow(
      `pushing r.example/app:v1: the registry stored the manifest as sha256:${'0'.repeat(64)}, expected ${image.digest}`,
    );
  });
});
