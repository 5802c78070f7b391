import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { ImageToWrite } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { LayerDownload } from './layer-download';
import { type ProgressSink } from './progress-reporter';
import { END_OF_ARCHIVE, padding, regularFileHeader } from './tar-header';
import { RegistryError } from '../../ports/registry-errors';

export interface TarballOptions {
  readonly logger: Logger;
  readonly progressSink: ProgressSink;
  readonly concurrency: number;
}

async function write(out: WriteStream, bytes: Buffer): Promise<void> {
  if (!out.write(bytes)) await once(out, 'drain');
}

async function writeEntry(out: WriteStream, name: string, size: number, body: Readable | Buffer): Promise<void> {
  await write(out, regularFileHeader(name, size));
  let written = 0;
  if (Buffer.isBuffer(body)) {
    await write(out, body);
    written = body.length;
  } else {
    for await (const chunk of body) {
      written += (chunk as Buffer).length;
      await write(out, chunk as Buffer);
    }
  }
  if (written !== size) {
    throw new RegistryError(`${name}: got ${written} bytes, the manifest says ${size}`);
  }
  await write(out, padding(size));
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/**
 * `docker save` layout, as go-containerregistry's tarball writer names things: the config as
 * `sha256:<hex>`, each layer blob as is under `<hex>.tar.gz`, and `manifest.json` last.
 * Layers download concurrently and are written in order.
 */
export async function writeOciTarball(
  path: string,
  spoolDir: string,
  image: ImageToWrite,
  repoTag: string,
  options: TarballOptions,
): Promise<void> {
  rmSync(path, { force: true });
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  // An image may list one blob twice (identical empty layers); the archive holds it once.
  const layers = image.layers.filter((l, i) => image.layers.findIndex((o) => o.digest === l.digest) === i);
  const queue = new LayerDownload(layers, image.openBlob, spoolDir, options);
  try {
    const work = (async () => {
      const configName = `sha256:${hex(image.configDigest)}`;
      await writeEntry(out, configName, image.config.length, image.config);
      for (let i = 0; i < layers.length; i++) {
        const layer = layers[i];
        if (layer) await writeEntry(out, `${hex(layer.digest)}.tar.gz`, layer.size, await queue.take(i));
      }
      const layerNames = image.layers.map((l) => `${hex(l.digest)}.tar.gz`);
      const manifest = Buffer.from(
        JSON.stringify([{ Config: configName, RepoTags: repoTag ? [repoTag] : [], Layers: layerNames }]),
      );
      await writeEntry(out, 'manifest.json', manifest.length, manifest);
      await write(out, END_OF_ARCHIVE);
      out.end();
      await once(out, 'finish');
    })();
    await Promise.race([work, failed]);
  } catch (error) {
    out.destroy();
    throw error;
  } finally {
    queue.close();
  }
}
