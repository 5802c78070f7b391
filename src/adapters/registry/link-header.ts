/**
 * The `rel="next"` target of an RFC 8288 `Link` header (`</v2/x/tags/list?n=2&last=b>; rel="next"`),
 * resolved against the URL of the response that carried it.
 */
export function nextLink(header: string | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const target = match[1] ?? '';
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(params)?.[1];
    if (rel && rel.split(/\s+/).includes('next')) return new URL(target, base);
  }
  return undefined;
}
