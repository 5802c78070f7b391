import type { Source } from '../../application/request-types';
import type { RegistryPort } from '../../ports/registry-port';
import type { SignatureVerifierPort } from '../../ports/signature-verifier-port';
import { AcceptAllVerifier } from './accept-all-verifier';
import { createCosignVerifier } from './cosign-verifier';

/** The verifier `source.verify` asks for: cosign public keys, or none (everything accepted). */
export function createSignatureVerifier(source: Source, registry: RegistryPort): SignatureVerifierPort {
  const keys = source.verify?.cosign_public_keys;
  return keys ? createCosignVerifier(keys, registry) : new AcceptAllVerifier();
}
