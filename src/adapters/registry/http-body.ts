import { Readable } from 'node:stream';
import type { HttpResponse } from './http-transport';
import { classifyTransportError, TransportError } from './transport-error';

/**
 * Read a whole (small) body, refusing more than `limit` bytes so a hostile peer cannot fill
 * memory: a larger Content-Length is refused unread, and a body that runs past the cap is cut
 * (its socket destroyed) at the first chunk beyond it.
 */
export async function readBody(response: HttpResponse, limit: number): Promise<Buffer> {
  const tooLarge = (): TransportError =>
    new TransportError('other', 'EBODYTOOLARGE', `the answer exceeds ${limit} bytes (the ${byteSize(limit)} cap)`);
  const declared = Number(response.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > limit) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw classifyTransportError(error);
  }
  return Buffer.concat(chunks);
}

/** `4 MiB`, `64 KiB`, `100 bytes`. */
export function byteSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Error answers are read for their message only. */
export const ERROR_BODY_LIMIT = 64 * 1024;

/** Read up to `limit` bytes of an error body for its message, then let the connection go. */
export async function readErrorBody(response: HttpResponse, limit = ERROR_BODY_LIMIT): Promise<Buffer | undefined> {
  try {
    return await readBody(response, limit);
  } catch {
    response.body.destroy();
    return undefined;
  }
}

/** Throw a body away; small bodies are drained so the keep-alive connection can be reused. */
export function discard(response: HttpResponse): void {
  const length = Number(response.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(length) && length <= 64 * 1024) {
    response.body.on('error', () => undefined);
    response.body.resume();
  } else {
    response.body.destroy();
  }
}

export function isReadable(value: unknown): value is Readable {
  return value instanceof Readable;
}
