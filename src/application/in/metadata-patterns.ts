import { compileGoRegexp, type GoRegexp } from '../../domain/go-regexp';
import type { GetParams, Source } from '../request-types';

export interface MetadataPatterns {
  readonly labels?: GoRegexp;
  readonly annotations?: GoRegexp;
}

type Field = 'label_regex' | 'annotation_regex';

/** The Go resource reads these from `source`; a get step's `params` may override them for that step. */
function compile(field: Field, source: Pick<Source, Field>, params: Pick<GetParams, Field>): GoRegexp | undefined {
  if (params[field]) return compileGoRegexp(`params.${field}`, params[field]);
  if (source[field]) return compileGoRegexp(`source.${field}`, source[field]);
  return undefined;
}

/** Compiled up front so a bad pattern fails before anything is downloaded. */
export function metadataPatterns(source: Pick<Source, Field>, params: Pick<GetParams, Field>): MetadataPatterns {
  const labels = compile('label_regex', source, params);
  const annotations = compile('annotation_regex', source, params);
  return { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}
