import { describe, expect, it } from 'vitest';
import {
  layerSignature,
  sha256Of,
  signatureConfig,
  signatureLayers,
  signatureManifest,
  signatureTag,
  type SignatureLayer,
} from '../../../../../src/adapters/signers/cosign/signature-manifest';

const layer: SignatureLayer = {
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  digest: `sha256:${'b'.repeat(64)}`,
  size: 200,
  annotations: { 'dev.cosignproject.cosign/signature': 'MEUC' },
};

describe('cosign signature manifest', () => {
  it('names the tag after the digest', () => {
    expect(signatureTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}.sig`);
  });

  it('is an OCI manifest with an OCI config and one annotated layer per signature', () => {
    const config = signatureConfig([layer]);
    const manifest = JSON.parse(signatureManifest(config, [layer]).toString()) as Record<string, unknown>;
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256Of(config) },
      layers: [layer],
    });
    expect(JSON.parse(config.toString())).toMatchObject({ rootfs: { type: 'layers', diff_ids: [layer.digest] } });
  });

  it('reads layers back, and only simple-signing layers carry a signature', () => {
    const other = { mediaType: 'application/octet-stream', digest: 'sha256:c', size: 1 };
    const bytes = signatureManifest(signatureConfig([]), [layer, other]);
    expect(signatureLayers(bytes)).toEqual([layer, other]);
    expect(signatureLayers(bytes).map(layerSignature)).toEqual(['MEUC', undefined]);
    expect(signatureLayers(Buffer.from('{"manifests":[]}'))).toEqual([]);
  });
});
