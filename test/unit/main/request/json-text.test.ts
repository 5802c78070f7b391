import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJsonText } from '../../../../src/main/request/json-text';
import { InvalidRequestError } from '../../../../src/domain/errors';

describe('parseJsonText', () => {
  it('keeps numbers as their exact source text', () => {
    const value = parseJsonText('{"a": 1.10, "b": [1e3, -0.50]}') as Record<string, unknown>;
    expect(value.a).toBeInstanceOf(JsonNumber);
    expect((value.a as JsonNumber).text).toBe('1.10');
    expect((value.b as JsonNumber[]).map((n) => n.text)).toEqual(['1e3', '-0.50']);
  });

  it('parses strings with escapes, booleans and null', () => {
    expect(parseJsonText('{"s":"a\\"b\\n\\u00e9\\/","t":true,"f":false,"n":null}')).toEqual({
      s: 'a"b\né/',
      t: true,
      f: false,
      n: null,
    });
  });

  it.each([
    ['{', 'unexpected end of input'],
    ['{"a":1,}', 'expected a string key'],
    ['{"a" 1}', 'expected ":"'],
    ['[1 2]', 'expected "," or "]"'],
    ['{"a":01}', 'expected "," or "}"'],
    ['{"a":1} x', 'trailing characters'],
    ['{"a":"\\x"}', 'invalid escape'],
    ['{"a":1,"a":2}', 'duplicate key "a"'],
    ['"\u0001"', 'control character'],
  ])('rejects %s (%s)', (text, message) => {
    expect(() => parseJsonText(text)).toThrow(InvalidRequestError);
    expect(() => parseJsonText(text)).toThrow(message);
  });

  it('does not let "__proto__" keys reach the prototype', () => {
    const value = parseJsonText('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});
