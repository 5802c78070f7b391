import { inject, injectable } from 'inversify';
import { ConfigurationError } from '../../domain/errors';
import { formatRepository, parseRepository, type RepositoryRef } from '../../domain/image-reference';
import { FilesystemPort } from '../../ports/filesystem-port';
import { ImageInputPort } from '../../ports/image-input-port';
import { Logger } from '../../ports/logger';
import { RegistryPort } from '../../ports/registry-port';
import type { StepTarget } from '../../ports/registry-provider';
import { SignerPort } from '../../ports/signer-port';
import type { InOutResponse, OutRequest } from '../request-types';
import { pushImage } from './push-image';
import { computePushTags } from './push-tags';

export const PUT_CONCURRENCY = 6;

/** The origin's path when it lives on the registry we push to (a mount is only possible there). */
function mountSource(origin: string | undefined, target: RepositoryRef): string | undefined {
  if (!origin) return undefined;
  try {
    const ref = parseRepository(origin);
    return ref.registry === target.registry && ref.path !== target.path ? ref.path : undefined;
  } catch {
    // RepoTags are informational: a name we cannot parse just means no mount.
    return undefined;
  }
}

/** Go's `filepath.Join(src, p)`: `p` is always under SRC, even when it starts with a slash. */
function joinPath(dir: string, relative: string): string {
  return `${dir.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}`;
}

/** The `out` step: push the image found under SRC with every tag the request asks for. */
@injectable()
export class PutImage {
  constructor(
    @inject(RegistryPort) private readonly registry: RegistryPort,
    @inject(ImageInputPort) private readonly inputs: ImageInputPort,
    @inject(FilesystemPort) private readonly files: FilesystemPort,
    @inject(Logger) private readonly logger: Logger,
    @inject(SignerPort) private readonly signer: SignerPort,
  ) {}

  async execute(request: OutRequest, srcDir: string, target: StepTarget): Promise<InOutResponse> {
    const { source, params } = request;
    const repo = target.origin;

    const additionalTagsText = params.additional_tags
      ? await this.files.readText(joinPath(srcDir, params.additional_tags))
      : undefined;
    const tags = await computePushTags({
      source,
      params,
      ...(additionalTagsText !== undefined ? { additionalTagsText } : {}),
      existingTags: () => this.registry.listTags(repo),
    });

    const matches = await this.files.glob(params.image, srcDir);
    if (matches.length === 0) throw new ConfigurationError(`no files match glob '${params.image}' in ${srcDir}`);
    if (matches.length > 1) {
      throw new ConfigurationError(`too many files match glob '${params.image}': ${matches.join(', ')}`);
    }
    const path = matches[0] as string;
    const input = await this.inputs.open(path);
    this.logger.info(`pushing ${input.kind} ${path}`);
    let digest: string;
    try {
      const mountFrom = mountSource(input.origin, repo);
      if (mountFrom)
        this.logger.debug(`blobs missing from ${repo.path} will be mounted from ${mountFrom} when it holds them`);
      digest = await pushImage(this.registry, repo, input, tags, this.logger, {
        concurrency: PUT_CONCURRENCY,
        ...(mountFrom !== undefined ? { mountFrom } : {}),
      });
    } finally {
      await input.close();
    }
    await this.signer.sign({
      repository: repo,
      repositoryName: formatRepository(repo),
      tags,
      digest,
      size: input.root.bytes.length,
      mediaType: input.root.mediaType,
    });

    return {
      version: { tag: tags[0] as string, digest },
      metadata: [
        { name: 'repository', value: target.name },
        { name: 'tags', value: tags.join(' ') },
      ],
    };
  }
}
