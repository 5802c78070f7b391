/**
 * Input files for `out`, built from the shared image fixtures: an OCI layout (as tar entries,
 * written to a directory or a tar) and a `docker save` tarball.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuiltImage, BuiltIndex } from '../../../integration/support/image-fixtures';
import { type TarEntry, writeTar } from '../../../integration/support/tar-writer';

function blob(digest: string, content: Buffer): TarEntry {
  return { path: `blobs/sha256/${digest.slice('sha256:'.length)}`, content };
}

function imageBlobs(image: BuiltImage): TarEntry[] {
  return [
    blob(image.digest, image.manifestBytes),
    blob(image.configDigest, image.configBytes),
    ...image.layers.map((l) => blob(l.digest, l.bytes)),
  ];
}

export function layoutEntries(root: BuiltImage | BuiltIndex, extraIndexEntries = 0): TarEntry[] {
  const descriptor = { mediaType: root.mediaType, digest: root.digest, size: root.manifestBytes.length };
  const index = { schemaVersion: 2, manifests: Array.from({ length: 1 + extraIndexEntries }, () => descriptor) };
  const blobs =
    root.kind === 'image'
      ? imageBlobs(root)
      : [blob(root.digest, root.manifestBytes), ...root.images.flatMap(imageBlobs)];
  const unique = new Map(blobs.map((b) => [b.path, b]));
  return [
    { path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { path: 'index.json', content: JSON.stringify(index) },
    ...unique.values(),
  ];
}

export function writeEntriesToDir(dir: string, entries: TarEntry[]): void {
  for (const e of entries) {
    const path = join(dir, e.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, e.content ?? '');
  }
}

export function writeTarFile(path: string, entries: TarEntry[]): void {
  writeFileSync(path, writeTar(entries));
}

/** `docker save` layout: config under its hex name, layers as `<n>/layer.tar`. */
export function dockerSaveEntries(
  image: BuiltImage,
  layerContent: 'compressed' | 'tar' = 'compressed',
  repoTag = 'example/app:latest',
): TarEntry[] {
  const configName = `${image.configDigest.slice('sha256:'.length)}.json`;
  const layerNames = image.layers.map((_, i) => `layer${i}/layer.tar`);
  return [
    {
      path: 'manifest.json',
      content: JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: layerNames }]),
    },
    { path: configName, content: image.configBytes },
    ...image.layers.map((l, i) => ({
      path: layerNames[i] as string,
      content: layerContent === 'tar' ? l.tar : l.bytes,
    })),
  ];
}
