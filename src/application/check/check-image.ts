import { inject, injectable, optional } from 'inversify';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import { Logger } from '../../ports/logger';
import { RegistryPort } from '../../ports/registry-port';
import { SignatureVerifierPort } from '../../ports/signature-verifier-port';
import { mapLimit } from '../concurrency';
import { wantedPlatform } from '../platform-selection';
import { HostPlatform } from '../../ports/host-platform';
import type { StepTarget } from '../../ports/registry-provider';
import type { CheckRequest, Version } from '../request-types';
import { CheckSettings } from './check-settings';
import { checkTagRegex, compileTagRegex } from './regex-check';
import { checkSemver, semverPolicyOf } from './semver-check';
import { checkTag } from './tag-check';
import { withMirrorFallback } from '../with-mirror-fallback';

/**
 * The `check` use case: `tag` mode, `tag_regex` mode, or semver mode, against the mirror first
 * (Docker Hub repositories only) and the origin when the mirror fails or finds nothing.
 */
@injectable()
export class CheckImage {
  constructor(
    @inject(RegistryPort) private readonly registry: RegistryPort,
    @inject(Logger) private readonly logger: Logger,
    @inject(CheckSettings) private readonly settings: CheckSettings,
    @inject(HostPlatform) private readonly host: HostPlatform,
    @inject(SignatureVerifierPort) @optional() private readonly verifier?: SignatureVerifierPort,
  ) {}

  async run(request: CheckRequest, target: StepTarget): Promise<Version[]> {
    const check = this.modeFor(request);
    // An empty answer from the mirror counts as "does not have it": the origin is asked then.
    const found = await withMirrorFallback(target, this.logger, async (repo) => {
      const versions = await this.signedOnly(repo, await check(repo));
      return versions.length > 0 || repo === target.origin ? versions : undefined;
    });
    return found ?? [];
  }

  /** With `source.verify`, only versions whose digest a trusted key signed; each other one is logged. */
  private async signedOnly(repo: RepositoryRef, versions: Version[]): Promise<Version[]> {
    const verifier = this.verifier;
    if (!verifier?.enabled) return versions;
    const verdicts = await mapLimit(versions, this.settings.lookupConcurrency, (v) => verifier.verify(repo, v.digest));
    return versions.filter((version, index) => {
      const verdict = verdicts[index];
      if (verdict?.signed) return true;
      const tag = version.tag !== undefined ? ` (${version.tag})` : '';
      this.logger.warn(
        `skipping ${formatRepository(repo)}@${version.digest}${tag}: ${verdict?.reason ?? 'unverified'}`,
      );
      return false;
    });
  }

  /** Validate mode settings up front (bad regex or constraint fails before any request). */
  private modeFor(request: CheckRequest): (repo: RepositoryRef) => Promise<Version[]> {
    const { source, version: cursor } = request;
    if (source.tag !== undefined && source.tag !== '') {
      const tag = source.tag;
      return (repo) => checkTag(this.registry, repo, tag, cursor);
    }
    if (source.tag_regex !== undefined && source.tag_regex !== '') {
      const regex = compileTagRegex(source.tag_regex);
      const options = {
        regex,
        createdAtSort: source.created_at_sort === true,
        concurrency: this.settings.lookupConcurrency,
        platform: wantedPlatform(source.platform, undefined, this.host),
      };
      return (repo) => checkTagRegex(this.registry, repo, options);
    }
    const policy = semverPolicyOf(source);
    return (repo) => checkSemver(this.registry, repo, policy, this.settings.lookupConcurrency, cursor);
  }
}
