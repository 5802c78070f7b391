import { describe, expect, it } from 'vitest';
import { parseSimpleSigning, simpleSigningPayload } from '../../../../../src/adapters/signers/cosign/simple-signing';

describe('simple-signing payload', () => {
  it('is byte for byte what cosign signs', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(simpleSigningPayload({ dockerReference: '127.0.0.1:5000/foo', manifestDigest: digest }).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/foo"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
  });

  it('reads the claim back and says what is wrong with other payloads', () => {
    const payload = simpleSigningPayload({ dockerReference: 'r/x', manifestDigest: 'sha256:1' });
    expect(parseSimpleSigning(payload)).toEqual({ dockerReference: 'r/x', manifestDigest: 'sha256:1' });
    expect(parseSimpleSigning(Buffer.from('nope'))).toBe('the payload is not JSON');
    expect(parseSimpleSigning(Buffer.from('{"critical":{"type":"other"}}'))).toMatch(/payload type is not/);
    expect(parseSimpleSigning(Buffer.from('{"critical":{"type":"cosign container image signature"}}'))).toBe(
      'the payload names no docker-manifest-digest',
    );
  });
});
