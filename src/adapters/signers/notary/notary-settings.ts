import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfigurationError } from '../../../domain/errors';
import { formatRepository, isDockerHub, parseRepository, type RepositoryRef } from '../../../domain/image-reference';
import type { Source } from '../../../application/request-types';
import type { Credentials } from '../../../ports/auth-port';
import { tlsTrust } from '../../registry/tls-trust';

export const DOCKER_HUB_NOTARY = 'https://notary.docker.io';

/** How to reach the Notary server of one repository, from `source.content_trust` and the source. */
export interface NotarySettings {
  readonly server: URL;
  /** The collection's Globally Unique Name, e.g. `127.0.0.1:5000/foo/bar`. */
  readonly gun: string;
  /** Actions to ask the token realm for (`content_trust.scopes`, default push,pull). */
  readonly actions: string;
  readonly credentials: Credentials | undefined;
  /** Trust list for HTTPS (Node's roots plus `source.ca_certs`), undefined for Node's defaults. */
  readonly ca: string[] | undefined;
  /** `source.insecure`: do not verify the Notary server's certificate. */
  readonly insecure: boolean;
  /** Client certificate for the Notary server (`tls_cert`/`tls_key`), PEM. */
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
  readonly bestEffort: boolean;
}

function serverUrl(configured: string | undefined, repo: RepositoryRef): URL {
  const text = configured?.trim() ?? '';
  if (text === '') {
    if (isDockerHub(repo)) return new URL(DOCKER_HUB_NOTARY);
    throw new ConfigurationError(
      `source.content_trust.server is required for ${formatRepository(repo)}: only Docker Hub repositories default to ${DOCKER_HUB_NOTARY}`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError(
      `source.content_trust.server "${text}" is not a URL (e.g. https://notary.example.com:4443)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`source.content_trust.server "${text}" must be an http:// or https:// URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      'source.content_trust.server must not hold credentials; use content_trust.username/password',
    );
  }
  return url;
}

/** Go's GUN: the repository's name, except that Docker Hub's own Notary knows Hub repositories as `docker.io/…`. */
export function collectionName(repo: RepositoryRef, server: URL): string {
  return isDockerHub(repo) && server.hostname === 'notary.docker.io'
    ? `docker.io/${repo.path}`
    : formatRepository(repo);
}

function clientCertificate(cert: string | undefined, key: string | undefined): NotarySettings['clientCertificate'] {
  const hasCert = (cert ?? '').trim() !== '';
  const hasKey = (key ?? '').trim() !== '';
  if (!hasCert && !hasKey) return undefined;
  if (hasCert !== hasKey) {
    throw new ConfigurationError('source.content_trust.tls_cert and tls_key go together: set both or neither');
  }
  try {
    new X509Certificate(cert as string);
  } catch {
    throw new ConfigurationError('source.content_trust.tls_cert is not a PEM certificate');
  }
  try {
    createPrivateKey(key as string);
  } catch {
    throw new ConfigurationError('source.content_trust.tls_key is not an unencrypted PEM private key');
  }
  return { cert: cert as string, key: key as string };
}

export function notarySettings(source: Source): NotarySettings {
  const trust = source.content_trust;
  if (!trust) throw new ConfigurationError('source.content_trust is not set');
  const repo = parseRepository(source.repository);
  const server = serverUrl(trust.server, repo);
  const own = trust.username || trust.password ? trust : undefined;
  const username = own ? own.username : source.username;
  const password = own ? own.password : source.password;
  const actions = (trust.scopes ?? '').trim() || 'push,pull';
  const clientCert = clientCertificate(trust.tls_cert, trust.tls_key);
  return {
    server,
    gun: collectionName(repo, server),
    actions,
    credentials: username ? { kind: 'basic', username, password: password ?? '' } : undefined,
    ca: tlsTrust(source.ca_certs ?? []),
    insecure: source.insecure === true,
    ...(clientCert ? { clientCertificate: clientCert } : {}),
    bestEffort: trust.best_effort === true,
  };
}
