import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { ImageInput } from '../../ports/image-input-port';
import type { Logger } from '../../ports/logger';
import type { RegistryPort } from '../../ports/registry-port';
import { collectImageGraph } from './image-graph';
import { mapLimit } from '../concurrency';
import { RegistryError } from '../../ports/registry-errors';

export interface PushImageOptions {
  /** Blob uploads in flight at once. */
  readonly concurrency: number;
  /** A repository of the same registry that may hold the blobs already (cross-repository mount). */
  readonly mountFrom?: string;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Push an input under `tags`: blobs first (each skipped when the registry has it), then child
 * manifests by digest (images, then the indexes over them, level by level), then the root once
 * per tag. Tags are written last, so a failure never leaves a tag pointing at an incomplete
 * image, and a re-run simply completes the work.
 */
export async function pushImage(
  registry: RegistryPort,
  repo: RepositoryRef,
  input: ImageInput,
  tags: readonly string[],
  logger: Logger,
  options: PushImageOptions,
): Promise<string> {
  const name = formatRepository(repo);
  const graph = await collectImageGraph(input);
  // Largest first, so the long uploads overlap the short ones instead of trailing alone.
  const blobs = [...graph.blobs].sort((a, b) => b.size - a.size);
  const total = blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0);
  const manifests = graph.childLevels.reduce((sum, level) => sum + level.length, 1);
  logger.info(`pushing ${blobs.length} blobs (${mib(total)}) and ${manifests} manifests to ${name}`);

  await mapLimit(blobs, options.concurrency, async (blob) => {
    await registry.pushBlob(repo, blob, {
      open: () => input.openBlob(blob.digest),
      ...(options.mountFrom !== undefined ? { mountFrom: options.mountFrom } : {}),
    });
    logger.debug(`blob ${blob.digest} (${blob.size} bytes) is in ${name}`);
  });

  for (const level of graph.childLevels) {
    await mapLimit(level, options.concurrency, async (child) => {
      const stored = await registry.putManifest(repo, child.digest, child.mediaType, child.bytes);
      checkDigest(stored, child.digest, name, child.digest);
    });
  }

  const root = input.root;
  logger.info(`pushing tag(s) ${tags.map((t) => `${name}:${t}`).join(', ')}`);
  await Promise.all(
    tags.map(async (tag) => {
      const stored = await registry.putManifest(repo, tag, root.mediaType, root.bytes);
      checkDigest(stored, root.digest, name, tag);
    }),
  );
  logger.info(`pushed ${name}@${root.digest}`);
  return root.digest;
}

function checkDigest(stored: string, expected: string, name: string, reference: string): void {
  if (stored !== expected) {
    throw new RegistryError(
      `pushing ${name}:${reference}: the registry stored the manifest as ${stored}, expected ${expected}`,
    );
  }
}
