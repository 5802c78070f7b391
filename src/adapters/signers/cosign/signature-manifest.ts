import { createHash } from 'node:crypto';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** cosign's artifact type for a signature attached through the OCI 1.1 referrers API. */
export const COSIGN_SIGNATURE_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** The OCI empty descriptor's content: `{}`. */
export const EMPTY_CONFIG = Buffer.from('{}', 'utf8');

/** One signature: a layer whose blob is the payload and whose annotation is the base64 signature. */
export interface SignatureLayer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** cosign's tag for the signatures of `digest`: `sha256:abc` → `sha256-abc.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export function sha256Of(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The layers of a stored signature manifest; none when it is not an OCI manifest with layers. */
export function signatureLayers(manifestBytes: Buffer): SignatureLayer[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    return [];
  }
  const layers = (parsed as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return [];
  return layers.filter(
    (l): l is SignatureLayer =>
      typeof l === 'object' &&
      l !== null &&
      typeof (l as SignatureLayer).mediaType === 'string' &&
      typeof (l as SignatureLayer).digest === 'string' &&
      typeof (l as SignatureLayer).size === 'number',
  );
}

/** The base64 signature of a simple-signing layer, or undefined for any other layer. */
export function layerSignature(layer: SignatureLayer): string | undefined {
  if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) return undefined;
  return layer.annotations?.[SIGNATURE_ANNOTATION];
}

/**
 * The config cosign writes for a signature image: an empty image whose rootfs lists the payloads
 * (they are uncompressed, so diff IDs are the layer digests).
 */
export function signatureConfig(layers: readonly SignatureLayer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
    'utf8',
  );
}

export function signatureManifest(config: Buffer, layers: readonly SignatureLayer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: config.length, digest: sha256Of(config) },
      layers,
    }),
    'utf8',
  );
}

/** One signature as an OCI 1.1 artifact whose `subject` is the signed manifest. */
export function referrerManifest(
  layer: SignatureLayer,
  subject: { readonly mediaType: string; readonly digest: string; readonly size: number },
): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: COSIGN_SIGNATURE_ARTIFACT,
      config: { mediaType: OCI_EMPTY, size: EMPTY_CONFIG.length, digest: sha256Of(EMPTY_CONFIG) },
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
    'utf8',
  );
}
