/**
 * Input files for `out`, built from the shared image fixtures: an OCI layout (as tar entries,
 * written to a directory or a tar) and a `docker save` tarball.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Digest, type BuiltImage, type BuiltIndex } from '../../../integration/support/image-fixtures';
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
  return layoutWithIndex(JSON.stringify(index), [root]);
}

/** A layout whose `index.json` is given as is, holding the blobs of `contents` (and of nested indexes). */
export function layoutWithIndex(
  indexJson: string | Buffer,
  contents: Array<BuiltImage | BuiltIndex>,
  extra: TarEntry[] = [],
): TarEntry[] {
  const blobs = contents.flatMap((c) =>
    c.kind === 'image' ? imageBlobs(c) : [blob(c.digest, c.manifestBytes), ...c.images.flatMap(imageBlobs)],
  );
  const unique = new Map(blobs.map((b) => [b.path, b]));
  return [
    { path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { path: 'index.json', content: indexJson },
    ...unique.values(),
    ...extra,
  ];
}

/** An index blob over other manifests (images or indexes), without platforms unless given. */
export function indexBlobOf(
  entries: Array<BuiltImage | BuiltIndex>,
  mediaType = 'application/vnd.oci.image.index.v1+json',
): BuiltIndex {
  const manifests = entries.map((e) => ({ mediaType: e.mediaType, digest: e.digest, size: e.manifestBytes.length }));
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
  return {
    kind: 'index',
    manifestBytes,
    digest: sha256Digest(manifestBytes),
    mediaType,
    images: entries.flatMap((e) => (e.kind === 'image' ? [e] : e.images)),
  };
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
