import { InvalidRequestError } from '../../domain/errors';

/** A JSON number kept as its source text, so `1.10` is not read as `1.1`. */
export class JsonNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/**
 * A strict JSON parser (RFC 8259) that keeps numbers as text. `JSON.parse` cannot: Node 20
 * has no reviver access to source text, and a pipeline's `tag: 1.10` must stay "1.10".
 */
export function parseJsonText(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    if (pos >= text.length) what = 'unexpected end of input';
    const line = text.slice(0, pos).split('\n').length;
    throw new InvalidRequestError(`malformed JSON request: ${what} at line ${line}, offset ${pos}`);
  };
  const skipWhitespace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const expect = (literal: string): void => {
    if (text.startsWith(literal, pos)) pos += literal.length;
    else fail(`expected "${literal}"`);
  };
  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      const start = pos;
      while (pos < text.length && text[pos] !== '"' && text[pos] !== '\\') {
        if (text.charCodeAt(pos) < 0x20) fail('control character in string');
        pos++;
      }
      out += text.slice(start, pos);
      if (pos >= text.length) fail('unterminated string');
      if (text[pos] === '"') {
        pos++;
        return out;
      }
      pos++; // backslash
      const escape = text[pos++];
      switch (escape) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          fail('invalid escape');
      }
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const parseValue = (depth: number): JsonValue => {
    if (depth > 64) fail('nesting too deep');
    skipWhitespace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: JsonValue } = {};
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipWhitespace();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        skipWhitespace();
        expect(':');
        const value = parseValue(depth + 1);
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key ${JSON.stringify(key)}`);
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        skipWhitespace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return arr;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (c === 't') return (expect('true'), true);
    if (c === 'f') return (expect('false'), false);
    if (c === 'n') return (expect('null'), null);
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail(pos >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
    pos += m[0].length;
    return new JsonNumber(m[0]);
  };
  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('trailing characters after the request');
  return value;
}
