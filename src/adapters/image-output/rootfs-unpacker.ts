import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import type { ImageToWrite } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { extractLayer } from './extract-layer';
import { LayerDownload } from './layer-download';
import { type ProgressSink } from './progress-reporter';
import { RootfsPaths } from './rootfs-paths';
import type { ZstdBackend } from './zstd-decompress';

export interface UnpackOptions {
  readonly logger: Logger;
  readonly progressSink: ProgressSink;
  /** Restore owners (only root can). */
  readonly chown: boolean;
  readonly concurrency: number;
  readonly expansionFloor?: number;
  readonly zstd?: ZstdBackend;
}

/**
 * Downloads layers concurrently and applies them in order, each streamed straight into the
 * rootfs. On any failure the rootfs is removed: a half-applied image must not look like one.
 */
export async function unpackRootfs(
  rootfs: string,
  spoolDir: string,
  image: ImageToWrite,
  options: UnpackOptions,
): Promise<void> {
  mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const root = realpathSync(rootfs);
  const layers = image.layers;
  const queue = new LayerDownload(layers, image.openBlob, spoolDir, options);
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
        ...(image.maxExpansionRatio !== undefined ? { maxExpansionRatio: image.maxExpansionRatio } : {}),
        ...(options.expansionFloor !== undefined ? { expansionFloor: options.expansionFloor } : {}),
        ...(options.zstd ? { zstd: options.zstd } : {}),
      });
    }
  } catch (error) {
    queue.close();
    rmSync(root, { recursive: true, force: true });
    throw error;
  } finally {
    queue.close();
  }
}
