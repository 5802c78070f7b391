/** OCI content digests (`algorithm:hex`). Only sha256 and sha512 are produced by registries we meet. */
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export type Digest = string;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function digestAlgorithm(digest: Digest): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}
