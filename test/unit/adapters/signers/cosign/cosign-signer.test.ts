import { describe, expect, it } from 'vitest';
import { loadCosignKey } from '../../../../../src/adapters/signers/cosign/cosign-key';
import { CosignSigner, createCosignSigner } from '../../../../../src/adapters/signers/cosign/cosign-signer';
import { verifyPayload } from '../../../../../src/adapters/signers/cosign/payload-signature';
import {
  layerSignature,
  signatureLayers,
  signatureTag,
} from '../../../../../src/adapters/signers/cosign/signature-manifest';
import { parseSimpleSigning } from '../../../../../src/adapters/signers/cosign/simple-signing';
import { InMemoryRegistry } from '../../../../../src/adapters/memory/in-memory-registry';
import { ConfigurationError } from '../../../../../src/domain/errors';
import { AuthenticationError } from '../../../../../src/ports/registry-errors';
import { SigningError, type PushedImage } from '../../../../../src/ports/signer-port';
import type { ReferrersPort } from '../../../../../src/ports/referrers-port';
import { memoryLogger } from '../../../../support/memory-logger';
import { writeCosignKey } from './cosign-key-writer';

const image: PushedImage = {
  repository: { registry: '127.0.0.1:5000', path: 'foo/bar' },
  repositoryName: '127.0.0.1:5000/foo/bar',
  tags: ['v1', 'latest'],
  digest: `sha256:${'c'.repeat(64)}`,
  size: 321,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};
const TAG = signatureTag(image.digest);

function signerWith(registry: InMemoryRegistry, password = 'pw') {
  const written = writeCosignKey(password, { n: 1024 });
  return { written, signer: new CosignSigner(loadCosignKey(written.pem, password), registry, memoryLogger()) };
}

async function storedLayers(registry: InMemoryRegistry) {
  const manifest = await registry.getManifest(image.repository, TAG);
  expect(manifest?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  return signatureLayers(manifest?.bytes ?? Buffer.alloc(0));
}

describe('CosignSigner', () => {
  it('stores a signature over a payload naming the repository and the digest under sha256-<hex>.sig', async () => {
    const registry = new InMemoryRegistry();
    const { written, signer } = signerWith(registry);
    await signer.sign(image);

    const [layer, ...rest] = await storedLayers(registry);
    expect(rest).toEqual([]);
    expect(layer?.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    const payload = await registry.getBlobBytes(image.repository, { digest: layer!.digest, size: layer!.size });
    expect(parseSimpleSigning(payload)).toEqual({
      dockerReference: image.repositoryName,
      manifestDigest: image.digest,
    });
    const key = loadCosignKey(written.pem, 'pw').publicKey;
    expect(verifyPayload(key, payload, layerSignature(layer!)!)).toBe(true);
    const manifest = JSON.parse((await registry.getManifest(image.repository, TAG))!.bytes.toString()) as {
      config: { digest: string; size: number };
    };
    expect(await registry.hasBlob(image.repository, manifest.config.digest)).toBe(true);
  });

  it('appends to signatures already there and does not add its own twice', async () => {
    const registry = new InMemoryRegistry();
    const first = signerWith(registry);
    const second = signerWith(registry);
    await first.signer.sign(image);
    await second.signer.sign(image);
    await first.signer.sign(image);
    const layers = await storedLayers(registry);
    expect(layers).toHaveLength(2);
    expect(new Set(layers.map(layerSignature)).size).toBe(2);
  });

  it('reports a registry failure as a SigningError naming the unsigned tags', async () => {
    const registry = new InMemoryRegistry();
    const { signer } = signerWith(registry);
    registry.putManifest = () => Promise.reject(new Error('registry said no'));
    await expect(signer.sign(image)).rejects.toThrow(new SigningError('cosign', image, image.tags, 'registry said no'));
    await expect(signer.sign(image)).rejects.toThrow(
      `127.0.0.1:5000/foo/bar@${image.digest} was pushed, but cosign signing failed, so tag(s) v1, latest are unsigned: registry said no`,
    );
  });

  it('keeps the registry failure, class and all, as the cause of its SigningError', async () => {
    const registry = new InMemoryRegistry();
    const { signer } = signerWith(registry);
    const refused = new AuthenticationError('push refused', { status: 403 });
    registry.putManifest = () => Promise.reject(refused);
    const failure = await signer.sign(image).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SigningError);
    expect((failure as SigningError).cause).toBe(refused);
  });

  it('fails before the push when the key does not decrypt', () => {
    const written = writeCosignKey('pw', { n: 1024 });
    const source = { repository: image.repositoryName, cosign: { key: written.pem, password: 'nope' } };
    expect(() => createCosignSigner(source, new InMemoryRegistry(), memoryLogger())).toThrow(ConfigurationError);
    expect(() => createCosignSigner(source, new InMemoryRegistry(), memoryLogger())).toThrow(/; nothing was pushed$/);
  });

  describe('OCI 1.1 referrers', () => {
    const referrers = (answer: boolean | Error): ReferrersPort & { asked: string[] } => {
      const asked: string[] = [];
      return {
        asked,
        supportsReferrers: async (_repo, digest) => {
          asked.push(digest);
          if (answer instanceof Error) throw answer;
          return answer;
        },
      };
    };
    const setup = (answer: boolean | Error) => {
      const registry = new InMemoryRegistry();
      const logger = memoryLogger();
      const written = writeCosignKey('pw', { n: 1024 });
      const port = referrers(answer);
      const signer = new CosignSigner(loadCosignKey(written.pem, 'pw'), registry, logger, port);
      const digestPuts = () =>
        registry.calls.filter((c) => c.method === 'putManifest' && c.reference?.startsWith('sha256:'));
      return { registry, logger, port, signer, digestPuts };
    };

    it('also attaches the signature as an artifact whose subject is the image, where the registry has the API', async () => {
      const { registry, port, signer, digestPuts } = setup(true);
      await signer.sign(image);
      expect(port.asked).toEqual([image.digest]);
      const [put] = digestPuts();
      const stored = await registry.getManifest(image.repository, put!.reference!);
      const manifest = JSON.parse(stored!.bytes.toString()) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
        subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
      });
      const [sigLayer] = await storedLayers(registry);
      expect(manifest.layers).toEqual([sigLayer]);
    });

    it('writes only the .sig tag where the registry lacks the API (docker-registry 2.8)', async () => {
      const { signer, digestPuts, registry } = setup(false);
      await signer.sign(image);
      expect(digestPuts()).toEqual([]);
      expect(await storedLayers(registry)).toHaveLength(1);
    });

    it('warns, and still succeeds, when asking for the API fails', async () => {
      const { signer, logger } = setup(new Error('HTTP 500'));
      await signer.sign(image);
      expect(logger.warnings).toEqual([
        'could not attach the cosign signature through the referrers API of 127.0.0.1:5000/foo/bar (HTTP 500); it is in the .sig tag',
      ]);
    });
  });
});
