import { ConfigurationError } from '../../../domain/errors';
import type { Source } from '../../../application/request-types';
import type { Logger } from '../../../ports/logger';
import { SigningError, type PushedImage, type SignerPort } from '../../../ports/signer-port';
import { loadCollection, loadDelegation, UninitialisedCollectionError, type Collection } from './notary-collection';
import { VersionConflictError } from './notary-errors';
import { NotaryHttpClient } from './notary-http';
import { loadNotaryKey, type NotaryKey } from './notary-key';
import { notarySettings, type NotarySettings } from './notary-settings';
import {
  expiryFrom,
  manifestTarget,
  signableRoles,
  signedUpload,
  withTargets,
  type SignableRole,
} from './targets-update';
import type { TargetsSigned } from './tuf-metadata';
import { AuthenticationError } from '../../../ports/registry-errors';

/** Tries of one update when another writer publishes between our read and our upload. */
const CONFLICT_ATTEMPTS = 3;

/**
 * Docker Content Trust for `out`: adds every pushed tag, pointing at the pushed root digest, to
 * the Notary collection of the repository, in one signed update of each role the key may sign
 * (targets, or its delegations such as `targets/releases`). Snapshot and timestamp are left to
 * the server, which holds their keys in a docker-style collection.
 */
export class NotarySigner implements SignerPort {
  constructor(
    private readonly settings: NotarySettings,
    private readonly key: NotaryKey,
    private readonly connect: () => NotaryHttpClient,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async sign(image: PushedImage): Promise<void> {
    const { gun, server } = this.settings;
    this.logger.info(
      `signing ${image.tags.map((t) => `${image.repositoryName}:${t}`).join(', ')} with Notary (${gun} at ${server.origin})`,
    );
    const http = this.connect();
    try {
      const roles = await this.update(http, image);
      this.logger.info(`signed ${image.digest} as ${image.tags.join(', ')} in ${roles.join(', ')} of ${gun}`);
    } catch (error) {
      const failure = new SigningError('Notary', image, image.tags, this.reason(error), {
        cause: error,
      });
      if (!this.settings.bestEffort) throw failure;
      this.logger.warn(`${failure.message} (content_trust.best_effort: the step succeeds anyway)`);
    } finally {
      http.close();
    }
  }

  private async update(http: NotaryHttpClient, image: PushedImage): Promise<string[]> {
    const target = manifestTarget(image.digest, image.size);
    for (let attempt = 1; ; attempt++) {
      const collection = await loadCollection(http, this.settings.gun, this.now());
      const plan = this.plan(collection, image.tags);
      const expires = expiryFrom(this.now());
      const parts: { role: string; bytes: Buffer }[] = [];
      for (const [role, { keyId, tags }] of plan) {
        const current: TargetsSigned =
          role === 'targets' ? collection.targets : await loadDelegation(http, this.settings.gun, collection, role);
        const next = withTargets(current, tags, target, expires);
        this.logger.debug(
          `Notary: ${role} version ${current.version} -> ${next.version} (${tags.join(', ')}), key ${keyId}`,
        );
        parts.push({ role, bytes: signedUpload(next, this.key.privateKey, keyId) });
      }
      try {
        await http.publish(parts);
        return [...plan.keys()];
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= CONFLICT_ATTEMPTS) throw error;
        this.logger.warn(
          `Notary collection ${this.settings.gun} changed while signing; reading it again (attempt ${attempt + 1}/${CONFLICT_ATTEMPTS})`,
        );
      }
    }
  }

  /** Role → the key ID to sign with and the tags it receives; every tag must land somewhere. */
  private plan(collection: Collection, tags: readonly string[]): Map<string, { keyId: string; tags: string[] }> {
    const plan = new Map<string, { keyId: string; tags: string[] }>();
    for (const tag of tags) {
      const roles: SignableRole[] = signableRoles(collection.root, collection.targets, this.key.publicKey, tag);
      if (roles.length === 0) throw this.notAuthorised(collection, tag);
      for (const { role, keyId } of roles) {
        const entry = plan.get(role) ?? { keyId, tags: [] };
        entry.tags.push(tag);
        plan.set(role, entry);
      }
    }
    return plan;
  }

  private notAuthorised(collection: Collection, tag: string): AuthenticationError {
    const listed = collection.root.roles.targets?.keyids ?? [];
    const delegations = collection.targets.delegations.roles.map((r) => r.name);
    return new AuthenticationError(
      `repository_key ${this.key.keyId}${this.describeKey()} may not sign ${tag} in ${this.settings.gun}: it is not the targets key (root lists ${listed.join(', ') || 'none'})${delegations.length > 0 ? ` nor a key of a delegation allowing that tag (${delegations.join(', ')})` : ' and the collection has no delegations'}`,
    );
  }

  /** The key's own PEM headers, which often show a key meant for another collection. */
  private describeKey(): string {
    const { role, gun } = this.key;
    if (!role) return '';
    return gun && gun !== this.settings.gun ? ` (the ${role} key of ${gun})` : ` (role ${role})`;
  }

  private reason(error: unknown): string {
    const { gun, server } = this.settings;
    if (error instanceof UninitialisedCollectionError) {
      return `${error.message} on ${server.origin}; initialise it once with \`notary -s ${server.origin} init ${gun} -p\` and \`notary -s ${server.origin} key rotate ${gun} snapshot -r\` (the server keeps the snapshot key), then use its targets key or a delegation key as content_trust.repository_key`;
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The signer for `source.content_trust`, built before anything is pushed: a setting that can
 * never work (no server for a non-Hub repository, a key that does not decrypt or does not match
 * its ID) fails the step up front.
 */
export function createNotarySigner(source: Source, logger: Logger): NotarySigner {
  const trust = source.content_trust;
  if (!trust) throw new ConfigurationError('source.content_trust is not set');
  try {
    const settings = notarySettings(source);
    const key = loadNotaryKey(trust.repository_key, trust.repository_passphrase, trust.repository_key_id);
    return new NotarySigner(settings, key, () => new NotaryHttpClient(settings, logger), logger);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new ConfigurationError(`${error.message}; nothing was pushed`);
    throw error;
  }
}
