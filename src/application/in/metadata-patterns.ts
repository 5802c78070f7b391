import { InvalidRequestError } from '../../domain/errors';
import type { GetParams } from '../request-types';

export interface MetadataPatterns {
  readonly labels?: RegExp;
  readonly annotations?: RegExp;
}

function compile(field: string, pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new InvalidRequestError(
      `params.${field} "${pattern}" is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

/** Compiled up front so a bad pattern fails before anything is downloaded. */
export function metadataPatterns(params: GetParams): MetadataPatterns {
  const labels = compile('label_regex', params.label_regex);
  const annotations = compile('annotation_regex', params.annotation_regex);
  return { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}
