import { createHash } from 'node:crypto';
import { digestAlgorithm, digestHex, isDigest } from '../../domain/digest';
import { DigestMismatchError } from '../../domain/errors';
import { FilesystemError } from '../../ports/filesystem-port';

/** `blobs/<alg>/<hex>`, the OCI layout location of a blob. */
export function blobPath(digest: string): string {
  if (!isDigest(digest)) throw new FilesystemError(`invalid digest "${digest}" in image input`);
  return `blobs/${digestAlgorithm(digest)}/${digestHex(digest)}`;
}

export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Manifests are small and their digests are what we publish: always check them. */
export function verifiedBytes(bytes: Buffer, digest: string, what: string): Buffer {
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) throw new DigestMismatchError(digest, actual, what);
  return bytes;
}
