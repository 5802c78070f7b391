/** Unpacks fixture layers with the real filesystem output over the in-memory registry. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { FsImageOutput, type FsImageOutputOptions } from '../../../../src/adapters/image-output/fs-image-output';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import type { RepositoryRef } from '../../../../src/domain/image-reference';
import type { ImageToWrite, OutputBlob } from '../../../../src/ports/image-output-port';
import type { Logger } from '../../../../src/ports/logger';
import { buildImage, type Layer } from '../../../integration/support/image-fixtures';

export const REPO: RepositoryRef = { registry: 'registry.test', path: 'team/app' };

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  constructor(readonly debugEnabled = false) {}
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  debug(message: string): void {
    if (this.debugEnabled) this.lines.push(`debug: ${message}`);
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'ri-in-'): string {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export interface UnpackFixture {
  registry: InMemoryRegistry;
  image: ImageToWrite;
  output: FsImageOutput;
  dest: string;
  rootfs: string;
  logger: RecordingLogger;
  progress: string[];
}

export function fixture(
  layers: Layer[],
  options: Partial<FsImageOutputOptions> & {
    mediaTypes?: Record<number, string>;
    openBlob?: (blob: OutputBlob, open: () => Promise<Readable>) => Promise<Readable>;
    debug?: boolean;
  } = {},
): UnpackFixture {
  const registry = new InMemoryRegistry();
  for (const layer of layers) registry.store.putBlob(REPO, layer.bytes);
  const built = buildImage({ layers });
  registry.store.putBlob(REPO, built.configBytes);
  const logger = new RecordingLogger(options.debug ?? false);
  const progress: string[] = [];
  const output = new FsImageOutput(logger, {
    progressSink: { isTTY: false, write: (t) => progress.push(t) },
    chown: options.chown ?? process.getuid?.() === 0,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.expansionFloor !== undefined ? { expansionFloor: options.expansionFloor } : {}),
  });
  const open = (blob: OutputBlob): Promise<Readable> => registry.getBlob(REPO, blob);
  const image: ImageToWrite = {
    manifest: {
      digest: built.digest,
      mediaType: built.mediaType,
      size: built.manifestBytes.length,
      bytes: built.manifestBytes,
    },
    configDigest: built.configDigest,
    config: built.configBytes,
    layers: layers.map((l, i) => ({
      digest: l.digest,
      size: l.size,
      mediaType: options.mediaTypes?.[i] ?? l.mediaType,
    })),
    openBlob: options.openBlob ? (blob) => options.openBlob?.(blob, () => open(blob)) as Promise<Readable> : open,
  };
  const dest = tempDir();
  return { registry, image, output, dest, rootfs: join(dest, 'rootfs'), logger, progress };
}
