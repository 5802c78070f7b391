import type { NotaryHttpClient } from './notary-http';
import {
  emptyTargets,
  MetadataError,
  parseRoot,
  parseSignedDocument,
  parseTargets,
  type RootSigned,
  type TargetsSigned,
} from './tuf-metadata';
import { verifyRoleSignatures } from './tuf-signatures';
import { NotFoundError, RegistryError } from '../../../ports/registry-errors';

/** A Notary collection as published, its signature chain checked from the root down. */
export interface Collection {
  readonly root: RootSigned;
  readonly targets: TargetsSigned;
}

/** The collection has no trust data yet: someone must initialise it with the notary CLI. */
export class UninitialisedCollectionError extends NotFoundError {
  override readonly name: string = 'UninitialisedCollectionError';
}

function untrusted(gun: string, error: unknown): never {
  if (error instanceof MetadataError) {
    throw new RegistryError(`trust data of ${gun} failed verification: ${error.message}`, { cause: error });
  }
  throw error;
}

/**
 * Root (self-signed by its root role, not expired), then targets (signed by the keys the root
 * names for it). Without a pinned root this trusts the server on first use, as `notary` does
 * with a fresh trust directory.
 */
export async function loadCollection(http: NotaryHttpClient, gun: string, now: Date): Promise<Collection> {
  const rootBytes = await http.fetchRole('root');
  if (!rootBytes)
    throw new UninitialisedCollectionError(`the Notary collection ${gun} is not initialised (no root.json)`);
  try {
    const rootDoc = parseSignedDocument(rootBytes, 'root.json');
    const root = parseRoot(rootDoc);
    const rootRole = root.roles.root;
    if (!rootRole) throw new MetadataError('root.json has no root role');
    verifyRoleSignatures(rootDoc, root.keys, rootRole, 'root.json');
    if (!(Date.parse(root.expires) > now.getTime())) throw new MetadataError(`root.json expired at ${root.expires}`);
    const targetsBytes = await http.fetchRole('targets');
    if (!targetsBytes) {
      throw new UninitialisedCollectionError(`the Notary collection ${gun} has a root but no targets.json`);
    }
    const targetsDoc = parseSignedDocument(targetsBytes, 'targets.json');
    const targetsRole = root.roles.targets;
    if (!targetsRole) throw new MetadataError('root.json has no targets role');
    verifyRoleSignatures(targetsDoc, root.keys, targetsRole, 'targets.json');
    return { root, targets: parseTargets(targetsDoc, 'targets.json') };
  } catch (error) {
    return untrusted(gun, error);
  }
}

/** A delegation's current metadata, checked against the keys targets.json gives it; empty when never published. */
export async function loadDelegation(
  http: NotaryHttpClient,
  gun: string,
  collection: Collection,
  role: string,
): Promise<TargetsSigned> {
  const delegation = collection.targets.delegations.roles.find((r) => r.name === role);
  if (!delegation) throw new RegistryError(`targets.json of ${gun} has no delegation ${role}`);
  const bytes = await http.fetchRole(role);
  if (!bytes) return emptyTargets();
  try {
    const doc = parseSignedDocument(bytes, `${role}.json`);
    verifyRoleSignatures(doc, collection.targets.delegations.keys, delegation, `${role}.json`);
    return parseTargets(doc, `${role}.json`);
  } catch (error) {
    return untrusted(gun, error);
  }
}
