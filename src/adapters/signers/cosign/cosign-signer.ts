import { Readable } from 'node:stream';
import { ConfigurationError } from '../../../domain/errors';
import type { Source } from '../../../application/request-types';
import type { Logger } from '../../../ports/logger';
import type { ReferrersPort } from '../../../ports/referrers-port';
import type { RegistryPort } from '../../../ports/registry-port';
import { SigningError, type PushedImage, type SignerPort } from '../../../ports/signer-port';
import { loadCosignKey, type CosignKey } from './cosign-key';
import { signPayload, verifyPayload } from './payload-signature';
import {
  EMPTY_CONFIG,
  layerSignature,
  referrerManifest,
  OCI_CONFIG,
  OCI_MANIFEST,
  sha256Of,
  SIGNATURE_ANNOTATION,
  signatureConfig,
  signatureLayers,
  signatureManifest,
  signatureTag,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SignatureLayer,
} from './signature-manifest';
import { simpleSigningPayload } from './simple-signing';

/**
 * cosign key-based signing for `out`: signs the pushed root digest with a simple-signing payload
 * and stores it as cosign does, as a layer of the `sha256-<hex>.sig` manifest in the same
 * repository. Signatures already there are kept; one by this key over the same payload is not
 * added twice. Where the registry has the OCI 1.1 referrers API, the signature is also attached
 * as an artifact whose `subject` is the image.
 */
export class CosignSigner implements SignerPort {
  constructor(
    private readonly key: CosignKey,
    private readonly registry: RegistryPort,
    private readonly logger: Logger,
    private readonly referrers?: ReferrersPort,
  ) {}

  async sign(image: PushedImage): Promise<void> {
    const tag = signatureTag(image.digest);
    this.logger.info(`signing ${image.repositoryName}@${image.digest} with cosign (${tag})`);
    try {
      await this.attach(image, tag);
    } catch (error) {
      throw new SigningError('cosign', image, image.tags, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  private async attach(image: PushedImage, tag: string): Promise<void> {
    const { repository } = image;
    const payload = simpleSigningPayload({ dockerReference: image.repositoryName, manifestDigest: image.digest });
    const payloadDigest = sha256Of(payload);
    const existing = await this.registry.getManifest(repository, tag);
    const kept = existing ? signatureLayers(existing.bytes) : [];
    if (kept.some((layer) => layer.digest === payloadDigest && this.isOurs(layer, payload))) {
      this.logger.info(`${image.repositoryName}@${image.digest} already carries this key's signature in ${tag}`);
      return;
    }
    const layer: SignatureLayer = {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      size: payload.length,
      digest: payloadDigest,
      annotations: { [SIGNATURE_ANNOTATION]: signPayload(this.key.privateKey, payload) },
    };
    const layers = [...kept, layer];
    const config = signatureConfig(layers);
    await this.registry.pushBlob(
      repository,
      { digest: payloadDigest, size: payload.length },
      {
        open: () => Readable.from([payload]),
      },
    );
    await this.registry.pushBlob(
      repository,
      { digest: sha256Of(config), size: config.length },
      {
        open: () => Readable.from([config]),
      },
    );
    this.logger.debug(`cosign: config ${OCI_CONFIG} ${sha256Of(config)}, ${layers.length} signature(s)`);
    await this.registry.putManifest(repository, tag, OCI_MANIFEST, signatureManifest(config, layers));
    this.logger.info(
      `signed ${image.repositoryName}@${image.digest} (${image.tags.join(', ')}) with cosign: ${tag} holds ${layers.length} signature(s)`,
    );
    await this.attachAsReferrer(image, layer);
  }

  /** The referrers API copy; the `.sig` tag is what cosign and skopeo read, so a failure here only warns. */
  private async attachAsReferrer(image: PushedImage, layer: SignatureLayer): Promise<void> {
    if (!this.referrers) return;
    const { repository } = image;
    try {
      if (!(await this.referrers.supportsReferrers(repository, image.digest))) {
        this.logger.debug(`cosign: ${image.repositoryName} has no OCI 1.1 referrers API; the .sig tag is all`);
        return;
      }
      await this.registry.pushBlob(
        repository,
        { digest: sha256Of(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
        {
          open: () => Readable.from([EMPTY_CONFIG]),
        },
      );
      const manifest = referrerManifest(layer, image);
      const digest = await this.registry.putManifest(repository, sha256Of(manifest), OCI_MANIFEST, manifest);
      this.logger.info(
        `attached the cosign signature to ${image.repositoryName}@${image.digest} as referrer ${digest}`,
      );
    } catch (error) {
      this.logger.warn(
        `could not attach the cosign signature through the referrers API of ${image.repositoryName} (${error instanceof Error ? error.message : String(error)}); it is in the .sig tag`,
      );
    }
  }

  private isOurs(layer: SignatureLayer, payload: Buffer): boolean {
    const signature = layerSignature(layer);
    return signature !== undefined && verifyPayload(this.key.publicKey, payload, signature);
  }
}

/** The signer for `source.cosign`, built before anything is pushed: a key that does not decrypt fails up front. */
export function createCosignSigner(
  source: Source,
  registry: RegistryPort,
  logger: Logger,
  referrers?: ReferrersPort,
): CosignSigner {
  const config = source.cosign;
  if (!config) throw new ConfigurationError('source.cosign is not set');
  try {
    return new CosignSigner(loadCosignKey(config.key, config.password ?? ''), registry, logger, referrers);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new ConfigurationError(`${error.message}; nothing was pushed`);
    throw error;
  }
}
