import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { loadCosignKey } from '../../../../src/adapters/signers/cosign/cosign-key';
import { CosignSigner } from '../../../../src/adapters/signers/cosign/cosign-signer';
import { signPayload } from '../../../../src/adapters/signers/cosign/payload-signature';
import {
  sha256Of,
  signatureConfig,
  signatureManifest,
  signatureTag,
  type SignatureLayer,
} from '../../../../src/adapters/signers/cosign/signature-manifest';
import { simpleSigningPayload } from '../../../../src/adapters/signers/cosign/simple-signing';
import { createCosignVerifier } from '../../../../src/adapters/verifiers/cosign-verifier';
import { createSignatureVerifier } from '../../../../src/adapters/verifiers/signature-verifier-factory';
import { ConfigurationError } from '../../../../src/domain/errors';
import type { PushedImage } from '../../../../src/ports/signer-port';
import { memoryLogger } from '../../../support/memory-logger';
import { writeCosignKey } from '../signers/cosign/cosign-key-writer';

const repo = { registry: '127.0.0.1:5000', path: 'foo/bar' };
const DIGEST = `sha256:${'d'.repeat(64)}`;
const OTHER = `sha256:${'e'.repeat(64)}`;
const image = (digest: string): PushedImage => ({
  repository: repo,
  repositoryName: '127.0.0.1:5000/foo/bar',
  tags: ['v1'],
  digest,
  size: 100,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
});

function keyPair() {
  const written = writeCosignKey('pw', { n: 1024 });
  return { ...written, key: loadCosignKey(written.pem, 'pw') };
}

async function signWith(registry: InMemoryRegistry, pair: ReturnType<typeof keyPair>, digest = DIGEST) {
  await new CosignSigner(pair.key, registry, memoryLogger()).sign(image(digest));
}

/** Stores one signature layer under DIGEST's tag: `payload` and a signature over `signed`. */
async function storeLayer(registry: InMemoryRegistry, payload: Buffer, signature: string): Promise<void> {
  registry.store.putBlob(repo, payload);
  const layer: SignatureLayer = {
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    digest: sha256Of(payload),
    size: payload.length,
    annotations: { 'dev.cosignproject.cosign/signature': signature },
  };
  const config = signatureConfig([layer]);
  await registry.pushBlob(
    repo,
    { digest: sha256Of(config), size: config.length },
    { open: () => Readable.from([config]) },
  );
  await registry.putManifest(
    repo,
    signatureTag(DIGEST),
    'application/vnd.oci.image.manifest.v1+json',
    signatureManifest(config, [layer]),
  );
}

describe('CosignVerifier', () => {
  it('accepts a digest signed by one of the trusted keys and says which', async () => {
    const registry = new InMemoryRegistry();
    const [trusted, other] = [keyPair(), keyPair()];
    await signWith(registry, trusted);
    const verifier = createCosignVerifier([other.publicPem, trusted.publicPem], registry);
    expect(await verifier.verify(repo, DIGEST)).toEqual({
      signed: true,
      by: expect.stringMatching(/^key [0-9a-f]{12}$/),
    });
  });

  it('refuses a digest without signatures, naming the tag it looked for', async () => {
    const verifier = createCosignVerifier([keyPair().publicPem], new InMemoryRegistry());
    expect(await verifier.verify(repo, DIGEST)).toEqual({
      signed: false,
      reason: `no cosign signature: ${signatureTag(DIGEST)} does not exist`,
    });
  });

  it('refuses signatures by another key', async () => {
    const registry = new InMemoryRegistry();
    await signWith(registry, keyPair());
    const verifier = createCosignVerifier([keyPair().publicPem], registry);
    expect(await verifier.verify(repo, DIGEST)).toEqual({
      signed: false,
      reason: 'signature 1/1: not made by any of the 1 trusted key(s)',
    });
  });

  it('refuses a tampered payload (the signature was over other bytes)', async () => {
    const registry = new InMemoryRegistry();
    const pair = keyPair();
    const genuine = simpleSigningPayload({ dockerReference: 'x/y', manifestDigest: OTHER });
    const tampered = simpleSigningPayload({ dockerReference: 'x/y', manifestDigest: DIGEST });
    await storeLayer(registry, tampered, signPayload(pair.key.privateKey, genuine));
    const verdict = await createCosignVerifier([pair.publicPem], registry).verify(repo, DIGEST);
    expect(verdict).toEqual({ signed: false, reason: 'signature 1/1: not made by any of the 1 trusted key(s)' });
  });

  it('refuses a valid signature whose payload names another digest (a copied .sig)', async () => {
    const registry = new InMemoryRegistry();
    const pair = keyPair();
    const payload = simpleSigningPayload({ dockerReference: 'x/y', manifestDigest: OTHER });
    await storeLayer(registry, payload, signPayload(pair.key.privateKey, payload));
    const verdict = await createCosignVerifier([pair.publicPem], registry).verify(repo, DIGEST);
    expect(verdict).toEqual({ signed: false, reason: `signature 1/1: the payload names ${OTHER}` });
  });

  it('refuses a signed payload that is not a cosign simple-signing claim', async () => {
    const registry = new InMemoryRegistry();
    const pair = keyPair();
    const payload = Buffer.from('{"critical":{"type":"something else"}}');
    await storeLayer(registry, payload, signPayload(pair.key.privateKey, payload));
    const verdict = await createCosignVerifier([pair.publicPem], registry).verify(repo, DIGEST);
    expect(verdict).toEqual({
      signed: false,
      reason: 'signature 1/1: the payload type is not "cosign container image signature"',
    });
  });

  it('accepts when any one of several signatures is good', async () => {
    const registry = new InMemoryRegistry();
    const [stranger, trusted] = [keyPair(), keyPair()];
    await signWith(registry, stranger);
    await signWith(registry, trusted);
    const verdict = await createCosignVerifier([trusted.publicPem], registry).verify(repo, DIGEST);
    expect(verdict.signed).toBe(true);
  });

  it('refuses configuration that can never verify, before any request', () => {
    const registry = new InMemoryRegistry();
    expect(() => createCosignVerifier(['not a key'], registry)).toThrow(
      new ConfigurationError('source.verify.cosign_public_keys[0] is not a PEM public key'),
    );
    expect(() => createCosignVerifier([], registry)).toThrow(/is empty/);
    expect(registry.calls).toEqual([]);
  });

  it('is a no-op without source.verify', async () => {
    const verifier = createSignatureVerifier({ repository: 'x/y' }, new InMemoryRegistry());
    expect(verifier.enabled).toBe(false);
    expect((await verifier.verify(repo, DIGEST)).signed).toBe(true);
  });
});
