import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderedBlobQueue, SPOOL_BUFFER_BYTES } from '../../../../src/adapters/image-output/ordered-blob-queue';
import type { OutputBlob } from '../../../../src/ports/image-output-port';

const CHUNK = 64 * 1024;

/** A source as fast as loopback: `size` bytes of `fill`, produced on demand in CHUNK pieces. */
function fastSource(size: number, fill: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, size - sent);
      sent += n;
      this.push(Buffer.alloc(n, fill));
    },
  });
}

async function drain(stream: Readable): Promise<{ bytes: number; fills: Set<number> }> {
  let bytes = 0;
  const fills = new Set<number>();
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    bytes += b.length;
    fills.add(b[0] as number).add(b[b.length - 1] as number);
  }
  return { bytes, fills };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function queueOf(count: number, size: number, cap?: number): OrderedBlobQueue {
  const dir = mkdtempSync(join(tmpdir(), 'ordered-blob-queue-'));
  dirs.push(dir);
  const blobs: OutputBlob[] = Array.from({ length: count }, (_, i) => ({
    digest: `sha256:${String(i).padStart(64, '0')}`,
    size,
    mediaType: 'application/octet-stream',
  }));
  return new OrderedBlobQueue(blobs, async (_blob, i) => fastSource(size, i + 1), join(dir, 'spool'), 4, cap);
}

describe('OrderedBlobQueue: memory held by downloads whose turn has not come', () => {
  it('spools early blobs with at most the cap (plus a chunk and the source buffer) queued in memory each', async () => {
    const size = 8 * 1024 * 1024;
    const cap = 128 * 1024;
    const queue = queueOf(4, size, cap);
    for (let i = 0; i < 4; i++) {
      const { bytes, fills } = await drain(await queue.take(i));
      expect(bytes).toBe(size);
      expect([...fills]).toEqual([i + 1]);
    }
    queue.close();
    // Three blobs spooled while the first was read: something was queued, never more than the bound.
    const perDownload = cap + CHUNK + 16 * 1024;
    expect(queue.peakSpoolBufferedBytes).toBeGreaterThan(0);
    expect(queue.peakSpoolBufferedBytes).toBeLessThanOrEqual(3 * perDownload);
  });

  it('caps at SPOOL_BUFFER_BYTES by default, well under a layer', async () => {
    const size = 16 * 1024 * 1024;
    const queue = queueOf(3, size);
    for (let i = 0; i < 3; i++) expect((await drain(await queue.take(i))).bytes).toBe(size);
    queue.close();
    expect(SPOOL_BUFFER_BYTES).toBe(256 * 1024);
    expect(queue.peakSpoolBufferedBytes).toBeLessThanOrEqual(2 * (SPOOL_BUFFER_BYTES + CHUNK + 16 * 1024));
  });
});
