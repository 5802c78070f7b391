import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, preferredChallenge } from '../../../../src/adapters/registry/www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('parses a distribution bearer challenge', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    );
    expect(challenge).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/alpine:pull',
      },
    });
  });

  it('keeps commas, spaces and escaped quotes inside quoted values', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="http://127.0.0.1:5001/token",scope="repository:a/b:pull,push repository:c:pull",error="say \\"hi\\", ok"',
    );
    expect(challenge?.params.scope).toBe('repository:a/b:pull,push repository:c:pull');
    expect(challenge?.params.error).toBe('say "hi", ok');
  });

  it('splits several challenges, in one header or joined by Node', () => {
    const challenges = parseWwwAuthenticate(
      'Basic realm="registry, the one", Bearer realm="https://x/token", service=unquoted',
    );
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[0]?.params.realm).toBe('registry, the one');
    expect(challenges[1]?.params).toEqual({ realm: 'https://x/token', service: 'unquoted' });
  });

  it('accepts token68 challenges, case-insensitive names and spaces around "="', () => {
    const challenges = parseWwwAuthenticate('Negotiate abc+/== , BASIC Realm = "r"');
    expect(challenges[0]).toEqual({ scheme: 'negotiate', params: {}, token68: 'abc+/==' });
    expect(challenges[1]).toEqual({ scheme: 'basic', params: { realm: 'r' } });
  });

  it('returns nothing for a missing header and survives garbage', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated').at(0)?.params.realm).toBe('unterminated');
  });

  it('prefers Bearer over Basic', () => {
    expect(preferredChallenge(parseWwwAuthenticate('Basic realm="a", Bearer realm="b"'))?.scheme).toBe('bearer');
    expect(preferredChallenge(parseWwwAuthenticate('Digest realm="a"'))).toBeUndefined();
  });
});
