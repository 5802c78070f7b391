import { createPublicKey, createHash, type KeyObject } from 'node:crypto';
import { ConfigurationError } from '../../domain/errors';
import type { RepositoryRef } from '../../domain/image-reference';
import type { RegistryPort } from '../../ports/registry-port';
import type { SignatureVerdict, SignatureVerifierPort } from '../../ports/signature-verifier-port';
import { verifyPayload } from '../signers/cosign/payload-signature';
import { layerSignature, signatureLayers, signatureTag } from '../signers/cosign/signature-manifest';
import { parseSimpleSigning } from '../signers/cosign/simple-signing';

/** A payload is a few hundred bytes; a signature manifest pointing at anything large is not cosign's. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Signatures tried per digest: enough for years of re-signing, bounded against a hostile manifest. */
const MAX_SIGNATURES = 64;

interface TrustedKey {
  readonly key: KeyObject;
  /** Short fingerprint for messages: sha256 of the SPKI DER, first 12 hex digits. */
  readonly name: string;
}

/**
 * Accepts a digest when its cosign `sha256-<hex>.sig` manifest holds a simple-signing layer
 * whose signature one of the trusted keys verifies and whose payload names that digest.
 */
export class CosignVerifier implements SignatureVerifierPort {
  readonly enabled = true;

  constructor(
    private readonly keys: readonly TrustedKey[],
    private readonly registry: RegistryPort,
  ) {}

  async verify(repo: RepositoryRef, digest: string): Promise<SignatureVerdict> {
    const tag = signatureTag(digest);
    const manifest = await this.registry.getManifest(repo, tag);
    if (!manifest) return { signed: false, reason: `no cosign signature: ${tag} does not exist` };
    const layers = signatureLayers(manifest.bytes).filter((l) => layerSignature(l) !== undefined);
    if (layers.length === 0) return { signed: false, reason: `${tag} holds no simple-signing signature layer` };
    const findings: string[] = [];
    for (const [index, layer] of layers.slice(0, MAX_SIGNATURES).entries()) {
      const label = `signature ${index + 1}/${layers.length}`;
      if (layer.size > MAX_PAYLOAD_BYTES) {
        findings.push(`${label}: payload of ${layer.size} bytes is too large`);
        continue;
      }
      const payload = await this.registry.getBlobBytes(repo, { digest: layer.digest, size: layer.size });
      const signer = this.keys.find((k) => verifyPayload(k.key, payload, layerSignature(layer) as string));
      if (!signer) {
        findings.push(`${label}: not made by any of the ${this.keys.length} trusted key(s)`);
        continue;
      }
      const claim = parseSimpleSigning(payload);
      if (typeof claim === 'string') findings.push(`${label}: ${claim}`);
      else if (claim.manifestDigest !== digest) findings.push(`${label}: the payload names ${claim.manifestDigest}`);
      else return { signed: true, by: `key ${signer.name}` };
    }
    return { signed: false, reason: findings.join('; ') };
  }
}

/** Parses `source.verify.cosign_public_keys`; a key that is not a PEM public key fails the step up front. */
export function createCosignVerifier(publicKeys: readonly string[], registry: RegistryPort): CosignVerifier {
  const keys = publicKeys.map((pem, index): TrustedKey => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new ConfigurationError(`source.verify.cosign_public_keys[${index}] is not a PEM public key`);
    }
    const der = key.export({ format: 'der', type: 'spki' });
    return { key, name: createHash('sha256').update(der).digest('hex').slice(0, 12) };
  });
  if (keys.length === 0) throw new ConfigurationError('source.verify.cosign_public_keys is empty');
  return new CosignVerifier(keys, registry);
}
