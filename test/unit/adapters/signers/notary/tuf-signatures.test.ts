import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../../src/adapters/signers/notary/canonical-json';
import { ecdsaTufKey, tufKeyId } from '../../../../../src/adapters/signers/notary/tuf-keys';
import {
  parseRoot,
  parseSignedDocument,
  parseTargets,
  type SignedDocument,
} from '../../../../../src/adapters/signers/notary/tuf-metadata';
import { signEcdsa, verifyRoleSignatures } from '../../../../../src/adapters/signers/notary/tuf-signatures';
import { fixture } from './fixtures';

function doc(name: string): SignedDocument {
  return parseSignedDocument(fixture(name), name);
}

describe('TUF signature verification', () => {
  const rootDoc = doc('root.json');
  const root = parseRoot(rootDoc);

  it('verifies a root signed by its ecdsa-x509 root key', () => {
    expect(() => verifyRoleSignatures(rootDoc, root.keys, root.roles.root!, 'root.json')).not.toThrow();
  });

  it('verifies targets with the key root names for them', () => {
    expect(() =>
      verifyRoleSignatures(doc('targets.json'), root.keys, root.roles.targets!, 'targets.json'),
    ).not.toThrow();
  });

  it('verifies the server-made snapshot and timestamp (ed25519, eddsa)', () => {
    expect(() => verifyRoleSignatures(doc('snapshot.json'), root.keys, root.roles.snapshot!, 'snapshot')).not.toThrow();
    expect(() => verifyRoleSignatures(doc('timestamp.json'), root.keys, root.roles.timestamp!, 'ts')).not.toThrow();
  });

  it('verifies a delegation with the keys its parent targets.json gives it', () => {
    const parent = parseTargets(doc('deleg-targets.json'), 'targets.json');
    const role = parent.delegations.roles.find((r) => r.name === 'targets/releases')!;
    expect(() =>
      verifyRoleSignatures(doc('deleg-targets-releases.json'), parent.delegations.keys, role, 'releases'),
    ).not.toThrow();
  });

  it('rejects a document changed after signing', () => {
    const tampered = doc('targets.json');
    const signed = { ...(tampered.signed as Record<string, never>), version: 5 };
    expect(() => verifyRoleSignatures({ ...tampered, signed }, root.keys, root.roles.targets!, 'targets.json')).toThrow(
      "targets.json is not signed by its role's keys (0 valid signature(s), threshold 1)",
    );
  });

  it('rejects a signature by a key the role does not list', () => {
    expect(() => verifyRoleSignatures(doc('targets.json'), root.keys, root.roles.snapshot!, 'targets.json')).toThrow(
      /0 valid signature/,
    );
  });

  it('makes raw r||s ECDSA signatures over the canonical bytes that it verifies again', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const tufKey = ecdsaTufKey(publicKey);
    const keyId = tufKeyId(tufKey);
    const signed = { _type: 'Targets', version: 1, targets: { v1: { length: 3, hashes: { sha256: 'AA==' } } } };
    const signature = signEcdsa(privateKey, keyId, canonicalJson(signed));
    expect(Buffer.from(signature.sig, 'base64')).toHaveLength(64);
    expect(signature.method).toBe('ecdsa');
    const role = { keyids: [keyId], threshold: 1 };
    expect(() =>
      verifyRoleSignatures({ signed, signatures: [signature] }, { [keyId]: tufKey }, role, 'x'),
    ).not.toThrow();
  });

  it('derives the key IDs notary lists in root.json', () => {
    for (const [id, key] of Object.entries(root.keys)) expect(tufKeyId(key)).toBe(id);
  });
});
