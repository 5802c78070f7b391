import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mapLimit } from '../../application/concurrency';
import type { OciLayoutContent } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { blobProgress } from './layer-download';
import { progressCounter, type ProgressSink } from './progress-reporter';

export interface LayoutOptions {
  readonly logger: Logger;
  readonly progressSink: ProgressSink;
  readonly concurrency: number;
}

function blobPath(dir: string, digest: string): string {
  const colon = digest.indexOf(':');
  return `${dir}/blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`;
}

/**
 * An OCI image layout: `oci-layout`, `index.json`, and every blob under `blobs/<alg>/<hex>`.
 * Blobs are independent files, so they download concurrently straight to disk (through a
 * temporary name, renamed once the digest check at the end of the stream passed).
 */
export async function writeOciLayout(dir: string, content: OciLayoutContent, options: LayoutOptions): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const written = new Set<string>();
  const ensureDir = (path: string): void => {
    mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  };
  for (const manifest of content.manifests) {
    if (written.has(manifest.digest)) continue;
    written.add(manifest.digest);
    const path = blobPath(dir, manifest.digest);
    ensureDir(path);
    writeFileSync(path, manifest.bytes);
  }
  const pending = content.blobs.filter((b) => {
    if (written.has(b.digest)) return false;
    written.add(b.digest);
    return true;
  });
  const progress = blobProgress(pending, 'blob', options);
  try {
    await mapLimit(pending, options.concurrency, async (blob, index) => {
      const path = blobPath(dir, blob.digest);
      ensureDir(path);
      const temporary = `${path}.partial`;
      await pipeline(await content.openBlob(blob), progressCounter(progress, index), createWriteStream(temporary));
      renameSync(temporary, path);
    });
  } finally {
    progress.stop();
  }
  writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(`${dir}/index.json`, content.indexJson);
  if (content.singleImageDigest) writeFileSync(`${dir}/single-image-digest`, content.singleImageDigest);
}
