/** An inclusive byte range of a blob of known size. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parse a single-range `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` header against `size`.
 * `undefined` means "no usable range, send everything" (absent or multi-range, which RFC 9110
 * lets a server ignore); `'unsatisfiable'` asks for a 416.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, first = '', second = ''] = m;
  if (first === '' && second === '') return undefined;
  if (first === '') {
    const suffix = Number(second);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = second === '' ? size - 1 : Math.min(Number(second), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
