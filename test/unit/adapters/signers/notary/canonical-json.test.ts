import { describe, expect, it } from 'vitest';
import { canonicalJson, goHtmlEscape, type JsonValue } from '../../../../../src/adapters/signers/notary/canonical-json';
import {
  parseSignedDocument,
  parseTargets,
  serializeSigned,
  targetsJson,
} from '../../../../../src/adapters/signers/notary/tuf-metadata';
import { fixture } from './fixtures';

/** Documents the Go notary CLI or server serialised (targets.json was written by a byte-exact script). */
const GO_DOCUMENTS = [
  'root.json',
  'targets.json',
  'snapshot.json',
  'timestamp.json',
  'deleg-targets.json',
  'deleg-targets-releases.json',
  'foo-bar-root.json',
  'foo-bar-targets.json',
];

describe('canonical JSON', () => {
  it.each(GO_DOCUMENTS)('re-serialises %s to the exact bytes Go wrote', (name) => {
    const bytes = fixture(name);
    const doc = parseSignedDocument(bytes, name);
    expect(serializeSigned(canonicalJson(doc.signed), doc.signatures).toString('utf8')).toBe(bytes.toString('utf8'));
  });

  it.each(['targets.json', 'deleg-targets.json', 'deleg-targets-releases.json', 'foo-bar-targets.json'])(
    'rebuilds %s from the Targets struct fields without changing a byte',
    (name) => {
      const doc = parseSignedDocument(fixture(name), name);
      expect(canonicalJson(targetsJson(parseTargets(doc, name)))).toEqual(canonicalJson(doc.signed));
    },
  );

  it('sorts keys by UTF-8 bytes, as Go sort.Strings does, not by UTF-16 units', () => {
    // UTF-16 puts U+1F600 (0xD83D…) before U+FF5E; UTF-8 puts U+FF5E (0xEF…) before U+1F600 (0xF0…).
    const value: JsonValue = { '\u{1F600}': 1, '\uFF5E': 2, b: 3, B: 4, a: 5 };
    expect(canonicalJson(value).toString('utf8')).toBe('{"B":4,"a":5,"b":3,"\uFF5E":2,"\u{1F600}":1}');
  });

  it('escapes only quote and backslash, writing <, >, & and non-ASCII raw', () => {
    expect(canonicalJson({ s: 'a"b\\c<d>&é' }).toString('utf8')).toBe('{"s":"a\\"b\\\\c<d>&é"}');
  });

  it('writes no whitespace and keeps arrays in order', () => {
    expect(canonicalJson({ z: [3, 1, 2], a: { y: null, x: true } }).toString('utf8')).toBe(
      '{"a":{"x":true,"y":null},"z":[3,1,2]}',
    );
  });

  it('refuses non-integer numbers (Go canonical JSON has none)', () => {
    expect(() => canonicalJson({ n: 1.5 })).toThrow(/integers only/);
  });

  it('HTML-escapes the outer document as Go json.Marshal embeds a RawMessage', () => {
    expect(goHtmlEscape('{"zz<a&b>":"\u2028"}')).toBe('{"zz\\u003ca\\u0026b\\u003e":"\\u2028"}');
    const upload = serializeSigned(canonicalJson({ targets: { 'zz<a&b>': 1 } }), []).toString('utf8');
    expect(upload).toBe('{"signed":{"targets":{"zz\\u003ca\\u0026b\\u003e":1}},"signatures":[]}');
  });
});
