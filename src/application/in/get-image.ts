import { join } from 'node:path';
import { inject, injectable, optional } from 'inversify';
import { InvalidRequestError } from '../../domain/errors';
import { NotFoundError } from '../../ports/registry-errors';
import { isDigest } from '../../domain/digest';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import { FilesystemPort } from '../../ports/filesystem-port';
import { HostPlatform } from '../../ports/host-platform';
import { ImageOutputPort, type ImageToWrite, type OpenBlob } from '../../ports/image-output-port';
import { Logger } from '../../ports/logger';
import { RegistryPort } from '../../ports/registry-port';
import { SignatureVerifierPort, UnsignedImageError } from '../../ports/signature-verifier-port';
import type { StepTarget } from '../../ports/registry-provider';
import type { InOutResponse, InRequest, MetadataField } from '../request-types';
import { withMirrorFallback } from '../with-mirror-fallback';
import { goJson } from './go-json';
import { labelsOf, matchingFields, responseMetadata, rootfsMetadataFile } from './image-metadata';
import { maxExpansionRatio } from './max-expansion-ratio';
import { metadataPatterns, type MetadataPatterns } from './metadata-patterns';
import { planOciLayout } from './oci-layout-plan';
import { wantedPlatform, type WantedPlatform } from '../platform-selection';
import { parsePlatformList } from './platform-list';
import { resolveImage, type ResolvedImage } from './resolve-image';

type Format = 'rootfs' | 'oci' | 'oci-layout';

/**
 * The `get` step: fetch exactly `version.digest` (never the tag) from the mirror or the origin,
 * write it in the requested format, and answer with the version and its metadata.
 */
@injectable()
export class GetImage {
  constructor(
    @inject(RegistryPort) private readonly registry: RegistryPort,
    @inject(ImageOutputPort) private readonly output: ImageOutputPort,
    @inject(FilesystemPort) private readonly files: FilesystemPort,
    @inject(Logger) private readonly logger: Logger,
    @inject(HostPlatform) private readonly host: HostPlatform,
    @inject(SignatureVerifierPort) @optional() private readonly verifier?: SignatureVerifierPort,
  ) {}

  async run(request: InRequest, dest: string, target: StepTarget): Promise<InOutResponse> {
    const { source, version, params } = request;
    if (!isDigest(version.digest)) {
      throw new InvalidRequestError(`version.digest "${version.digest}" is not a sha256 or sha512 digest`);
    }
    const patterns = metadataPatterns(source, params);
    const expansion = maxExpansionRatio(params);
    const platform = wantedPlatform(source.platform, params.platform, this.host);
    const format: Format = params.format ?? 'rootfs';
    const platforms = params.platforms ? parsePlatformList(params.platforms) : undefined;
    if (platforms && format !== 'oci-layout' && !params.skip_download) {
      throw new InvalidRequestError(
        `params.platforms needs format: oci-layout (format ${format} holds one image; use params.platform for it)`,
      );
    }

    // Concourse creates DEST; `in` run by hand may name a new one. Every file below goes into it.
    await this.files.makeDirectory(dest);
    let image: ResolvedImage | undefined;
    let platformsIndexDigest: string | undefined;
    if (params.skip_download) {
      // Nothing is written, but the manifest is read as Go reads it (a digest the registry lost
      // fails the step), and matching labels and annotations are still reported.
      const found = await withMirrorFallback(target, this.logger, async (repo) => {
        const root = await this.registry.getManifest(repo, version.digest);
        if (!root) return undefined;
        await this.requireSignature(repo, version.digest);
        if (!patterns.labels && !patterns.annotations) return {};
        return { image: await resolveImage(this.registry, repo, root, platform, patterns.labels !== undefined) };
      });
      if (!found) throw this.notFound(target.origin, version.digest);
      image = found.image;
    } else {
      const downloaded = await withMirrorFallback(target, this.logger, (repo) =>
        this.download(repo, request, target.name, dest, format, { platform, platforms }, patterns, expansion),
      );
      if (!downloaded) throw this.notFound(target.origin, version.digest);
      image = downloaded.image;
      platformsIndexDigest = downloaded.platformsIndexDigest;
    }

    await this.writeVersionFiles(dest, { repository: target.name, tag: version.tag ?? '', digest: version.digest });

    const labels: MetadataField[] = image?.config ? matchingFields(labelsOf(image.config), patterns.labels) : [];
    const annotations: MetadataField[] = image ? matchingFields(image.manifest.annotations, patterns.annotations) : [];
    const metadata = responseMetadata(target.name, version, labels, annotations);
    if (platformsIndexDigest) metadata.push({ name: 'platforms_index_digest', value: platformsIndexDigest });
    return { version, metadata };
  }

  private notFound(repo: RepositoryRef, digest: string): NotFoundError {
    return new NotFoundError(`image ${formatRepository(repo)}@${digest} not found`);
  }

  /** `repository`, `tag` and `digest`, as the Go resource leaves them (no trailing newline). */
  private async writeVersionFiles(dest: string, files: Record<'repository' | 'tag' | 'digest', string>): Promise<void> {
    for (const [name, value] of Object.entries(files)) await this.files.writeFile(join(dest, name), value);
  }

  /** A JSON file in `dest`, encoded as Go's encoding/json writes it. */
  private writeJsonFile(dest: string, name: string, value: unknown): Promise<void> {
    return this.files.writeFile(join(dest, name), goJson(value));
  }

  /** With `source.verify`, nothing is fetched from a digest no trusted key signed. */
  private async requireSignature(repo: RepositoryRef, digest: string): Promise<void> {
    if (!this.verifier?.enabled) return;
    const verdict = await this.verifier.verify(repo, digest);
    if (!verdict.signed) throw new UnsignedImageError(formatRepository(repo), digest, verdict.reason);
    this.logger.info(`${formatRepository(repo)}@${digest} is signed by ${verdict.by}`);
  }

  /** `undefined` when this registry does not have the digest, so the caller may fall back. */
  private async download(
    repo: RepositoryRef,
    request: InRequest,
    repositoryName: string,
    dest: string,
    format: Format,
    { platform, platforms }: { platform: WantedPlatform; platforms?: readonly WantedPlatform[] },
    patterns: MetadataPatterns,
    expansion: { maxExpansionRatio?: number },
  ): Promise<{ image?: ResolvedImage; platformsIndexDigest?: string } | undefined> {
    const digest = request.version.digest;
    const root = await this.registry.getManifest(repo, digest);
    if (!root) return undefined;
    await this.requireSignature(repo, digest);
    this.logger.info(`fetching ${formatRepository(repo)}@${digest}`);
    const openBlob: OpenBlob = (blob) => this.registry.getBlob(repo, { digest: blob.digest, size: blob.size });

    if (format === 'oci-layout') {
      const plan = await planOciLayout(this.registry, repo, root, openBlob, platforms);
      await this.output.writeOciLayout(dest, plan);
      const cut = plan.platformsIndexDigest ? { platformsIndexDigest: plan.platformsIndexDigest } : {};
      if (!patterns.labels && !patterns.annotations) return cut;
      const image = await resolveImage(this.registry, repo, root, platform, patterns.labels !== undefined);
      return image ? { image, ...cut } : cut;
    }

    const image = await resolveImage(this.registry, repo, root, platform, true);
    if (!image?.config || !image.configBytes) return undefined;
    const toWrite: ImageToWrite = {
      manifest: image.content,
      configDigest: image.manifest.config.digest,
      config: image.configBytes,
      layers: image.manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
      openBlob,
      ...expansion,
    };
    if (format === 'rootfs') {
      await this.output.writeRootfs(dest, toWrite);
      await this.writeJsonFile(dest, 'metadata.json', rootfsMetadataFile(image.config));
    } else {
      const tag = request.version.tag;
      await this.output.writeOciTarball(dest, toWrite, tag ? `${repositoryName}:${tag}` : '');
    }
    await this.writeJsonFile(dest, 'labels.json', labelsOf(image.config));
    return { image };
  }
}
