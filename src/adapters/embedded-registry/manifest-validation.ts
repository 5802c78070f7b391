import type { RepositoryRef } from '../../domain/image-reference';
import { parseManifest } from '../../domain/manifest';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES } from '../../domain/media-types';
import type { InMemoryRegistryStore } from '../memory/in-memory-registry-store';
import { OciError } from './oci-error';

/**
 * The media type a pushed manifest is stored under: the `Content-Type` when it is a manifest
 * type, else the manifest's own `mediaType`; the two must not disagree. Schema 1 is refused.
 */
export function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new OciError('MANIFEST_INVALID', 'manifest is not valid JSON');
  }
  if (json === null || typeof json !== 'object' || json.schemaVersion !== 2) {
    throw new OciError('MANIFEST_INVALID', 'only schemaVersion 2 manifests are accepted');
  }
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  const mediaType = header && MANIFEST_MEDIA_TYPES.includes(header) ? header : declared;
  if (!mediaType || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new OciError('MANIFEST_INVALID', `unsupported manifest media type ${header ?? declared ?? '(none)'}`);
  }
  if (declared !== undefined && declared !== mediaType) {
    throw new OciError(
      'MANIFEST_INVALID',
      `Content-Type ${mediaType} disagrees with the manifest's mediaType ${declared}`,
    );
  }
  return mediaType;
}

/** Like a real registry: everything a manifest points at must already be in the repository. */
export function checkManifestReferences(
  store: InMemoryRegistryStore,
  repo: RepositoryRef,
  mediaType: string,
  bytes: Buffer,
): void {
  const name = repo.path;
  let parsed;
  try {
    parsed = parseManifest(bytes, mediaType);
  } catch (error) {
    throw new OciError('MANIFEST_INVALID', error instanceof Error ? error.message : 'unreadable manifest');
  }
  if (parsed.kind === 'index') {
    if (!isIndexMediaType(mediaType) || !Array.isArray(parsed.index.manifests)) {
      throw new OciError('MANIFEST_INVALID', 'index has no manifests array');
    }
    for (const child of parsed.index.manifests) {
      if (!store.manifest(repo, child.digest)) {
        throw new OciError('MANIFEST_BLOB_UNKNOWN', `index refers to manifest ${child.digest}, unknown in ${name}`, {
          digest: child.digest,
        });
      }
    }
    return;
  }
  for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) {
    if (!blob || typeof blob.digest !== 'string') throw new OciError('MANIFEST_INVALID', 'descriptor without digest');
    // Foreign layers live elsewhere (their `urls`), as the distribution registry allows.
    if (blob.urls && blob.urls.length > 0) continue;
    if (!store.hasBlob(repo, blob.digest)) {
      throw new OciError('MANIFEST_BLOB_UNKNOWN', `manifest refers to blob ${blob.digest}, unknown in ${name}`, {
        digest: blob.digest,
      });
    }
  }
}
