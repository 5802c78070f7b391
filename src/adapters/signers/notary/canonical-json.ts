/** A JSON value as TUF metadata holds it (numbers are integers). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Go's `sort.Strings`: by UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** docker/go canonical strings: only `"` and `\` are escaped, everything else is written raw. */
function canonicalString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function write(value: JsonValue, out: string[]): void {
  if (value === null) out.push('null');
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`canonical JSON holds integers only, got ${value}`);
    out.push(String(value));
  } else if (typeof value === 'string') out.push(canonicalString(value));
  else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    Object.keys(value)
      .sort(compareUtf8)
      .forEach((key, i) => {
        if (i > 0) out.push(',');
        out.push(canonicalString(key), ':');
        write(value[key] as JsonValue, out);
      });
    out.push('}');
  }
}

/**
 * The bytes TUF signs: docker/go `json.MarshalCanonical` of the value (sorted keys, no
 * whitespace, minimal escaping). notary-server re-serialises what it receives this way, so any
 * other byte sequence is stored but breaks every reader.
 */
export function canonicalJson(value: JsonValue): Buffer {
  const out: string[] = [];
  write(value, out);
  return Buffer.from(out.join(''), 'utf8');
}

/**
 * Go's `json.Marshal` HTML-escapes a `json.RawMessage` it embeds (`<`, `>`, `&`, U+2028, U+2029):
 * the outer document of an upload must match that, while the signed bytes stay unescaped.
 */
export function goHtmlEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
