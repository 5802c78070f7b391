import { formatRepository, type RepositoryRef } from '../domain/image-reference';
import type { Logger } from '../ports/logger';
import type { StepTarget } from '../ports/registry-provider';

/**
 * Run `action` against the mirror, then against the origin when the mirror fails or does not
 * have what was asked (`undefined`). Each fallback is one warning line. Every step uses it.
 */
export async function withMirrorFallback<T>(
  target: StepTarget,
  logger: Logger,
  action: (repo: RepositoryRef) => Promise<T | undefined>,
): Promise<T | undefined> {
  if (target.mirror) {
    try {
      const result = await action(target.mirror);
      if (result !== undefined) return result;
      logger.warn(
        `mirror ${formatRepository(target.mirror)} does not have it; falling back to ${formatRepository(target.origin)}`,
      );
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      logger.warn(
        `mirror ${formatRepository(target.mirror)} failed (${why}); falling back to ${formatRepository(target.origin)}`,
      );
    }
  }
  return action(target.origin);
}
