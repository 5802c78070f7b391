import { formatRepository, type RepositoryRef } from '../domain/image-reference';
import { ResourceError } from '../domain/errors';
import type { Logger } from '../ports/logger';
import type { RepositoryPlan } from './mirror-plan';

/**
 * Run `action` against the mirror, then against the origin when the mirror fails or does not
 * have what was asked (`undefined`). Each fallback is one warning line.
 */
export async function withMirrorFallback<T>(
  plan: RepositoryPlan,
  logger: Logger,
  action: (repo: RepositoryRef) => Promise<T | undefined>,
): Promise<T | undefined> {
  if (plan.mirror) {
    try {
      const result = await action(plan.mirror);
      if (result !== undefined) return result;
      logger.warn(
        `mirror ${formatRepository(plan.mirror)} does not have it; falling back to ${formatRepository(plan.origin)}`,
      );
    } catch (error) {
      const why = error instanceof ResourceError || error instanceof Error ? error.message : String(error);
      logger.warn(
        `mirror ${formatRepository(plan.mirror)} failed (${why}); falling back to ${formatRepository(plan.origin)}`,
      );
    }
  }
  return action(plan.origin);
}
