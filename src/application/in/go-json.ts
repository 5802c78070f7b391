/**
 * JSON as Go's encoding/json writes it (the files the Go resource leaves are read by other
 * tools and tests): `<`, `>`, `&`, U+2028 and U+2029 escaped, and a trailing newline.
 */
export function goJson(value: unknown): string {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${text}\n`;
}
