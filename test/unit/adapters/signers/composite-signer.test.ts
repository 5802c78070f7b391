import { describe, expect, it } from 'vitest';
import { CompositeSigner, composeSigners } from '../../../../src/adapters/signers/composite-signer';
import { NoopSigner } from '../../../../src/adapters/signers/noop-signer';
import { SigningError, type PushedImage, type SignerPort } from '../../../../src/ports/signer-port';

const image: PushedImage = {
  repository: { registry: 'r.example', path: 'app' },
  repositoryName: 'r.example/app',
  tags: ['v1', 'latest'],
  digest: `sha256:${'a'.repeat(64)}`,
  size: 10,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};

function recording(name: string, calls: string[], fail = false): SignerPort {
  return {
    sign: async () => {
      calls.push(name);
      if (fail) throw new SigningError(name, image, ['v1'], `${name} is down`);
    },
  };
}

describe('composeSigners', () => {
  it('is a no-op without signers and the signer itself with one', async () => {
    expect(composeSigners([])).toBeInstanceOf(NoopSigner);
    const one = recording('a', []);
    expect(composeSigners([one])).toBe(one);
  });

  it('runs every signer even after a failure, then reports the failure', async () => {
    const calls: string[] = [];
    const signer = composeSigners([recording('a', calls, true), recording('b', calls)]);
    expect(signer).toBeInstanceOf(CompositeSigner);
    await expect(signer.sign(image)).rejects.toThrow('but a signing failed, so tag(s) v1 are unsigned: a is down');
    expect(calls).toEqual(['a', 'b']);
  });

  it('joins several failures into one line', async () => {
    const calls: string[] = [];
    await expect(
      composeSigners([recording('a', calls, true), recording('b', calls, true)]).sign(image),
    ).rejects.toThrow('r.example/app@sha256:aaaa');
    await expect(composeSigners([recording('a', [], true), recording('b', [], true)]).sign(image)).rejects.toThrow(
      /image signing failed, so tag\(s\) v1 are unsigned: a: a is down; b: b is down$/,
    );
  });
});
