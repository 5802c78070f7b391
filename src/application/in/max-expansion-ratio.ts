import { InvalidRequestError } from '../../domain/errors';
import type { GetParams } from '../request-types';

/**
 * `params.max_expansion_ratio` as a number, read up front so a bad value fails before anything
 * is downloaded. `{}` when unset: the image output keeps its default rule.
 */
export function maxExpansionRatio(params: GetParams): { maxExpansionRatio?: number } {
  const text = params.max_expansion_ratio;
  if (text === undefined) return {};
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new InvalidRequestError(
      `params.max_expansion_ratio must be a number ≥ 0 (0 turns the limit off), got "${text}"`,
    );
  }
  return { maxExpansionRatio: value };
}
