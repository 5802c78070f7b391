import type { IncomingMessage } from 'node:http';
import { isDigest } from '../../domain/digest';
import { isValidTag } from '../../domain/image-reference';
import { sha256Digest } from '../memory/in-memory-registry-store';
import { checkManifestReferences, manifestMediaType } from './manifest-validation';
import { methodNotAllowed, OciError } from './oci-error';
import type { RegistryContents, RegistryExchange } from './registry-exchange';
import { reply } from './registry-reply';
import type { RouteOf } from './registry-route';
import { nextPageLink, tagPage } from './tag-page';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Manifests by tag or digest (GET/HEAD/PUT/DELETE) and the tags list that names them. */
export class ManifestHandler {
  constructor(private readonly contents: RegistryContents) {}

  async handle(route: RouteOf<'manifest'> | RouteOf<'tags'>, x: RegistryExchange): Promise<void> {
    if (route.kind === 'tags') {
      if (x.method !== 'GET') throw methodNotAllowed(x);
      return this.listTags(route.name, x);
    }
    if (x.method === 'GET' || x.method === 'HEAD') return this.get(route.name, route.reference, x);
    if (x.method === 'PUT') return this.put(route.name, route.reference, x);
    if (x.method === 'DELETE') return this.delete(route.name, route.reference, x);
    throw methodNotAllowed(x);
  }

  private listTags(name: string, x: RegistryExchange): void {
    const all = this.contents.store.tags(this.contents.repository(name));
    if (!all) throw new OciError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { name });
    const nParam = x.url.searchParams.get('n');
    let n: number | undefined;
    if (nParam !== null) {
      n = Number(nParam);
      if (!Number.isInteger(n) || n < 0)
        throw new OciError('UNSUPPORTED', `tags list: n must be a non-negative integer, got "${nParam}"`);
    }
    const page = tagPage(all, n, x.url.searchParams.get('last') ?? undefined);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (page.nextLast !== undefined && n !== undefined) headers.Link = nextPageLink(name, n, page.nextLast);
    reply(x.res, 200, headers, JSON.stringify({ name, tags: page.tags }));
  }

  private get(name: string, reference: string, x: RegistryExchange): void {
    const repo = this.contents.repository(name);
    if (!this.contents.store.hasRepository(repo))
      throw new OciError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { name });
    const manifest = this.contents.store.manifest(repo, reference);
    if (!manifest)
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${name}`, { name, reference });
    reply(
      x.res,
      200,
      {
        'Content-Type': manifest.mediaType,
        'Content-Length': manifest.bytes.length,
        'Docker-Content-Digest': manifest.digest,
        ETag: `"${manifest.digest}"`,
      },
      x.method === 'HEAD' ? undefined : manifest.bytes,
    );
  }

  private async put(name: string, reference: string, x: RegistryExchange): Promise<void> {
    const repo = this.contents.repository(name);
    if (!isDigest(reference) && !isValidTag(reference)) {
      throw new OciError('MANIFEST_INVALID', `"${reference}" is neither a tag nor a digest`);
    }
    const bytes = await readManifestBody(x.req);
    const mediaType = manifestMediaType(x.req.headers['content-type'], bytes);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new OciError('DIGEST_INVALID', `manifest content has digest ${digest}, not ${reference}`);
    }
    checkManifestReferences(this.contents.store, repo, mediaType, bytes);
    this.contents.store.putManifest(repo, reference, mediaType, bytes);
    reply(x.res, 201, {
      Location: `/v2/${name}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': 0,
    });
  }

  /** A digest removes the manifest and its tags; a tag removes only the tag. */
  private delete(name: string, reference: string, x: RegistryExchange): void {
    const repo = this.contents.repository(name);
    if (!this.contents.store.manifest(repo, reference)) {
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${name}`, { name, reference });
    }
    if (isDigest(reference)) this.contents.store.deleteManifest(repo, reference);
    else this.contents.store.deleteTag(repo, reference);
    reply(x.res, 202, { 'Content-Length': 0 });
  }
}

/** Manifests are small documents, read whole but bounded. */
async function readManifestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST_BYTES)
      throw new OciError('SIZE_INVALID', `manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
