import { mkdirSync, realpathSync } from 'node:fs';
import { pipeline } from 'node:stream';
import type { ImageToWrite } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { extractLayer } from './extract-layer';
import { OrderedBlobQueue } from './ordered-blob-queue';
import { createProgress, progressCounter, type ProgressSink } from './progress-reporter';
import { RootfsPaths } from './rootfs-paths';

export interface UnpackOptions {
  readonly logger: Logger;
  readonly progressSink: ProgressSink;
  /** Restore owners (only root can). */
  readonly chown: boolean;
  readonly concurrency: number;
  readonly expansionFloor?: number;
}

export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/** Downloads layers concurrently and applies them in order, each streamed straight into the rootfs. */
export async function unpackRootfs(
  rootfs: string,
  spoolDir: string,
  image: ImageToWrite,
  options: UnpackOptions,
): Promise<void> {
  mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const root = realpathSync(rootfs);
  const layers = image.layers;
  const progress = createProgress(
    layers.map((l, i) => ({ label: `layer ${i + 1}/${layers.length} ${shortDigest(l.digest)}`, total: l.size })),
    options.progressSink,
    options.logger,
  );
  const queue = new OrderedBlobQueue(
    layers,
    async (blob, index) => {
      const source = await image.openBlob(blob);
      const counter = progressCounter(progress, index);
      pipeline(source, counter, () => undefined);
      return counter;
    },
    spoolDir,
    options.concurrency,
  );
  const paths = new RootfsPaths(root, 'layer');
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      if (!layer) continue;
      const what = `layer ${i + 1}/${layers.length} (${layer.digest})`;
      paths.what = what;
      options.logger.debug(`extracting ${what}`);
      await extractLayer(await queue.take(i), {
        paths,
        chown: options.chown,
        logger: options.logger,
        what,
        compressedSize: layer.size,
        ...(options.expansionFloor !== undefined ? { expansionFloor: options.expansionFloor } : {}),
      });
    }
  } finally {
    queue.close();
    progress.stop();
  }
}
