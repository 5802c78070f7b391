import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNotaryKey } from '../../../../../src/adapters/signers/notary/notary-key';
import {
  expiryFrom,
  manifestTarget,
  signableRoles,
  signedUpload,
  withTargets,
} from '../../../../../src/adapters/signers/notary/targets-update';
import { tufKeyId } from '../../../../../src/adapters/signers/notary/tuf-keys';
import {
  parseRoot,
  parseSignedDocument,
  parseTargets,
  type TufKey,
} from '../../../../../src/adapters/signers/notary/tuf-metadata';
import { verifyRoleSignatures } from '../../../../../src/adapters/signers/notary/tuf-signatures';
import { DELEGATION_KEY_ID, TARGETS_KEY_ID, fixture } from './fixtures';

const root = parseRoot(parseSignedDocument(fixture('foo-bar-root.json'), 'root'));
const targets = parseTargets(parseSignedDocument(fixture('foo-bar-targets.json'), 'targets'), 'targets');
const targetsKey = loadNotaryKey(fixture('targets-key.pem').toString(), 'targetspass', TARGETS_KEY_ID);
const delegationKey = loadNotaryKey(fixture('delegation-key.pem').toString(), 'delegpass', DELEGATION_KEY_ID);
const noDelegations = { ...targets, delegations: { keys: {}, roles: [] } };

describe('signableRoles', () => {
  it('signs into the delegation that lists the key and allows the tag', () => {
    expect(signableRoles(root, targets, delegationKey.publicKey, 'v1')).toEqual([
      { role: 'targets/releases', keyId: DELEGATION_KEY_ID },
    ]);
  });

  it('falls back to the targets role for the targets key', () => {
    expect(signableRoles(root, targets, targetsKey.publicKey, 'v1')).toEqual([
      { role: 'targets', keyId: TARGETS_KEY_ID },
    ]);
  });

  it('finds no role for a delegation key once the delegation is gone', () => {
    expect(signableRoles(root, noDelegations, delegationKey.publicKey, 'v1')).toEqual([]);
  });

  it('honours delegation paths (prefixes of the tag)', () => {
    const [releases] = targets.delegations.roles;
    const restricted = {
      ...targets,
      delegations: { ...targets.delegations, roles: [{ ...releases!, paths: ['release-'] }] },
    };
    expect(signableRoles(root, restricted, delegationKey.publicKey, 'v1')).toEqual([]);
    expect(signableRoles(root, restricted, delegationKey.publicKey, 'release-1')).toHaveLength(1);
  });

  it('matches a delegation that lists the key as an ecdsa-x509 certificate, signing under that key ID', () => {
    // `docker trust signer add` with a certificate records the signer as ecdsa-x509.
    const dir = mkdtempSync(join(tmpdir(), 'x509-signer-'));
    try {
      writeFileSync(join(dir, 'key.pem'), delegationKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const certPem = execFileSync(
        'openssl',
        ['req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-subj', '/CN=ci', '-days', '30'],
        {
          encoding: 'utf8',
        },
      );
      const x509: TufKey = {
        keytype: 'ecdsa-x509',
        keyval: { public: Buffer.from(certPem).toString('base64'), private: null },
      };
      const id = tufKeyId(x509);
      const [releases] = targets.delegations.roles;
      const withCert = {
        ...targets,
        delegations: { keys: { [id]: x509 }, roles: [{ ...releases!, keyids: [id] }] },
      };
      expect(signableRoles(root, withCert, delegationKey.publicKey, 'v1')).toEqual([
        { role: 'targets/releases', keyId: id },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores nested delegations (docker signs direct children of targets only)', () => {
    const [releases] = targets.delegations.roles;
    const nested = {
      ...targets,
      delegations: { ...targets.delegations, roles: [{ ...releases!, name: 'targets/releases/inner' }] },
    };
    expect(signableRoles(root, nested, delegationKey.publicKey, 'v1')).toEqual([]);
  });
});

describe('targets update', () => {
  it('expires in 3 years of 365 days, printed without a fraction', () => {
    expect(expiryFrom(new Date('2026-12-01T09:30:00.123Z'))).toBe('2029-11-30T09:30:00Z');
  });

  it('describes a manifest by the base64 of its raw sha256 and its length', () => {
    expect(manifestTarget(`sha256:${'f2'.repeat(32)}`, 246)).toEqual({
      hashes: { sha256: Buffer.alloc(32, 0xf2).toString('base64') },
      length: 246,
    });
    expect(() => manifestTarget(`sha512:${'a'.repeat(128)}`, 1)).toThrow(/sha256/);
  });

  it('adds or replaces every tag, bumps the version and signs bytes the role verifies', () => {
    const previous = {
      ...noDelegations,
      targets: { old: { hashes: { sha256: 'AA==' }, length: 1 }, v1: { hashes: { sha256: 'AA==' }, length: 1 } },
    };
    const target = manifestTarget(`sha256:${'ab'.repeat(32)}`, 500);
    const next = withTargets(previous, ['v1', 'latest'], target, '2029-01-01T00:00:00Z');
    expect(next.version).toBe(previous.version + 1);
    expect(Object.keys(next.targets).sort()).toEqual(['latest', 'old', 'v1']);
    expect(next.targets.v1).toEqual(target);
    const bytes = signedUpload(next, targetsKey.privateKey, TARGETS_KEY_ID);
    const uploaded = parseSignedDocument(bytes, 'upload');
    expect(() => verifyRoleSignatures(uploaded, root.keys, root.roles.targets!, 'upload')).not.toThrow();
    expect(bytes.toString('utf8')).toMatch(
      /^\{"signed":\{"_type":"Targets","delegations":\{"keys":\{\},"roles":\[\]\},"expires":"2029-01-01T00:00:00Z","targets":\{"latest":/,
    );
  });
});
