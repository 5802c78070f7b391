/** One page of a tags list, and where the next page starts (`undefined` on the last page). */
export interface TagPage {
  readonly tags: string[];
  readonly nextLast?: string;
}

/**
 * Distribution-spec pagination: tags in lexical order, those after `last`, at most `n`.
 * A `Link` to the next page is only due when tags remain after this one.
 */
export function tagPage(allTags: readonly string[], n: number | undefined, last: string | undefined): TagPage {
  const sorted = [...allTags].sort();
  const after = last === undefined ? sorted : sorted.filter((t) => t > last);
  if (n === undefined || after.length <= n) return { tags: after };
  const tags = after.slice(0, n);
  const lastTag = tags[tags.length - 1];
  return lastTag === undefined ? { tags } : { tags, nextLast: lastTag };
}

export function nextPageLink(name: string, n: number, last: string): string {
  return `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}
