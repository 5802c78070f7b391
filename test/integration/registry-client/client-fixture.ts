/**
 * Builds the product's registry client for integration tests, with fast retries and a logger
 * that records lines (warnings are asserted: one per retry).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { memoryLogger, type MemoryLogger } from '../../support/memory-logger';
import { StaticCredentialsAuth } from '../../support/static-credentials-auth';
import { DistributionRegistry } from '../../../src/adapters/registry/registry-client';
import type { RegistryClientOptions } from '../../../src/adapters/registry/registry-client-options';

const made: DistributionRegistry[] = [];
afterAll(() => made.splice(0).forEach((c) => c.close()));

export function makeClient(
  options: Partial<RegistryClientOptions> & {
    credentials?: Record<string, { username: string; password: string }>;
  } = {},
): { client: DistributionRegistry; logger: MemoryLogger } {
  const logger = memoryLogger();
  const { credentials, ...rest } = options;
  const client = new DistributionRegistry({
    auth: new StaticCredentialsAuth(credentials ?? {}),
    logger,
    retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50, totalMs: 20_000 },
    timeoutMs: 10_000,
    ...rest,
  });
  made.push(client);
  return { client, logger };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random content of any size, streamed (never whole in memory). */
export function generatedBlob(seed: string, size: number): { digest: string; size: number; open: () => Readable } {
  const chunkOf = (i: number): Buffer => {
    const block = createHash('sha512').update(`${seed}/${i}`).digest();
    return Buffer.concat(Array.from({ length: 1024 }, () => block)); // 64 KiB
  };
  const open = (): Readable =>
    Readable.from(
      (function* () {
        let left = size;
        for (let i = 0; left > 0; i++) {
          const chunk = chunkOf(i).subarray(0, Math.min(left, 64 * 1024));
          left -= chunk.length;
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
  const hash = createHash('sha256');
  let left = size;
  for (let i = 0; left > 0; i++) {
    const chunk = chunkOf(i).subarray(0, Math.min(left, 64 * 1024));
    left -= chunk.length;
    hash.update(chunk);
  }
  return { digest: `sha256:${hash.digest('hex')}`, size, open };
}
