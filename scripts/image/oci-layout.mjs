// Writes the OCI image layout: blobs (layers, config, manifest), index.json, oci-layout, and
// Go's `single-image-digest` marker so that `out` pushes the image manifest itself (not a
// one-entry index) and the pushed digest is the one `npm run image` prints.
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLayer } from './tar-layer.mjs';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

function blobDir(out) {
  return join(out, 'blobs/sha256');
}

async function writeJsonBlob(out, value) {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(blobDir(out), hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * layers: [{ name, entries, createdBy }]; image: { created, config (the image config's `config`),
 * tag, labels }. Returns { digest, layers: [{ name, ...writeLayer result }], config, manifest }.
 */
export async function writeOciLayout(out, layers, image, { mtime }) {
  await mkdir(blobDir(out), { recursive: true });
  const written = [];
  for (const layer of layers) {
    const partial = join(out, `.${layer.name}.tar.gz`);
    const result = await writeLayer(layer.entries, partial, { mtime });
    await rename(partial, join(blobDir(out), result.digest.slice('sha256:'.length)));
    written.push({ name: layer.name, ...result });
  }

  const config = await writeJsonBlob(out, {
    created: image.created,
    architecture: 'amd64',
    os: 'linux',
    config: image.config,
    rootfs: { type: 'layers', diff_ids: written.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: image.created, created_by: l.createdBy })),
  });
  const manifestValue = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
    layers: written.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
    annotations: image.annotations,
  };
  const manifest = await writeJsonBlob(out, manifestValue);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: manifest.digest,
        size: manifest.size,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': image.tag },
      },
    ],
  };
  await writeFile(join(out, 'index.json'), JSON.stringify(index));
  await writeFile(join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(out, 'single-image-digest'), manifest.digest);
  return { digest: manifest.digest, layers: written, config, manifest };
}
