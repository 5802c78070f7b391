import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { publicKeyOf, samePublicKey } from './tuf-keys';
import { signEcdsa } from './tuf-signatures';
import {
  serializeSigned,
  targetsJson,
  type RootSigned,
  type TargetFile,
  type TargetsSigned,
  type TufKey,
} from './tuf-metadata';

/** notary's default lifetime for targets metadata: 3 years of 365 days. */
export const TARGETS_LIFETIME_MS = 3 * 365 * 24 * 60 * 60 * 1000;

/** A role we can sign into, with the key ID under which that role lists our key. */
export interface SignableRole {
  readonly role: string;
  readonly keyId: string;
}

function listedKeyId(
  keyids: readonly string[],
  keys: Readonly<Record<string, TufKey>>,
  ours: KeyObject,
): string | undefined {
  return keyids.find((id) => {
    const key = keys[id];
    if (!key) return false;
    try {
      return samePublicKey(publicKeyOf(key), ours);
    } catch {
      return false;
    }
  });
}

/**
 * Where a tag can be signed with our key, as docker's `getSignableRoles` decides: every direct
 * delegation (`targets/<name>`) that lists the key and whose paths allow the tag; failing that,
 * the targets role itself when the key is its key. Keys are compared by public key, so an
 * `ecdsa-x509` entry (docker trust signer add) matches the plain key.
 */
export function signableRoles(
  root: RootSigned,
  targets: TargetsSigned,
  publicKey: KeyObject,
  tag: string,
): SignableRole[] {
  const roles: SignableRole[] = [];
  for (const delegation of targets.delegations.roles) {
    if (!/^targets\/[^/]+$/.test(delegation.name)) continue;
    if (!delegation.paths.some((prefix) => tag.startsWith(prefix))) continue;
    const keyId = listedKeyId(delegation.keyids, targets.delegations.keys, publicKey);
    if (keyId) roles.push({ role: delegation.name, keyId });
  }
  if (roles.length > 0) return roles;
  const targetsRole = root.roles.targets;
  const keyId = targetsRole ? listedKeyId(targetsRole.keyids, root.keys, publicKey) : undefined;
  return keyId ? [{ role: 'targets', keyId }] : [];
}

/** `2029-12-01T09:30:00Z`: Go prints no fraction for whole seconds, and the server re-prints it. */
export function expiryFrom(now: Date): string {
  const expires = new Date(Math.floor((now.getTime() + TARGETS_LIFETIME_MS) / 1000) * 1000);
  return expires.toISOString().replace('.000Z', 'Z');
}

/** The TUF target of a manifest: its sha256 (base64 of the raw digest) and byte length. */
export function manifestTarget(digest: string, size: number): TargetFile {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw new Error(`Notary targets need a sha256 digest, got ${digest}`);
  return { hashes: { sha256: Buffer.from(match[1] as string, 'hex').toString('base64') }, length: size };
}

/** The next version of a role: the tags added or replaced, a new expiry, version + 1. */
export function withTargets(
  current: TargetsSigned,
  tags: readonly string[],
  target: TargetFile,
  expires: string,
): TargetsSigned {
  const targets = { ...current.targets };
  for (const tag of tags) targets[tag] = target;
  return { ...current, targets, expires, version: current.version + 1 };
}

/** Sign a role's new version with our key: the bytes to upload. */
export function signedUpload(targets: TargetsSigned, privateKey: KeyObject, keyId: string): Buffer {
  const canonical = canonicalJson(targetsJson(targets));
  return serializeSigned(canonical, [signEcdsa(privateKey, keyId, canonical)]);
}
