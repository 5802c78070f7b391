import { join, sep } from 'node:path';

const META = /[*?[\\]/;

/** One path segment of a Go `filepath.Match` pattern as a RegExp (`*` and `?` never match `/`). */
export function segmentRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRe(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new Error(`syntax error in pattern "${pattern}"`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\]\\^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`, 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** What a glob needs to know about a tree: the disk, or an in-memory one in tests. */
export interface GlobTree {
  exists(path: string): Promise<boolean>;
  /** The names in a directory; undefined when it cannot be read (not a directory, no access). */
  list(dir: string): Promise<string[] | undefined>;
}

/**
 * Go's `filepath.Glob(filepath.Join(dir, pattern))`: wildcards per path segment, hidden files
 * matched like any other, results sorted. Unreadable directories simply match nothing.
 */
export async function goGlob(pattern: string, dir: string, tree: GlobTree): Promise<string[]> {
  const full = join(dir, pattern);
  if (!META.test(full)) return (await tree.exists(full)) ? [full] : [];
  const segments = full.split(sep);
  let current = [segments[0] === '' ? sep : (segments[0] as string)];
  for (const segment of segments.slice(1)) {
    if (segment === '') continue;
    const next: string[] = [];
    if (!META.test(segment)) {
      for (const base of current) if (await tree.exists(join(base, segment))) next.push(join(base, segment));
    } else {
      const re = segmentRegExp(segment);
      for (const base of current) {
        const names = await tree.list(base);
        for (const name of [...(names ?? [])].sort()) if (re.test(name)) next.push(join(base, name));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.sort();
}
