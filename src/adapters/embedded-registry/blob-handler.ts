import { isDigest } from '../../domain/digest';
import { parseByteRange } from './byte-range';
import { methodNotAllowed, OciError } from './oci-error';
import type { RegistryContents, RegistryExchange } from './registry-exchange';
import { reply, replyBlobCreated } from './registry-reply';
import { isValidRepositoryName, type RouteOf } from './registry-route';

/** Blobs already in the registry: HEAD/GET (with byte ranges), and cross-repository mounts. */
export class BlobHandler {
  constructor(private readonly contents: RegistryContents) {}

  handle(route: RouteOf<'blob'>, x: RegistryExchange): void {
    if (x.method !== 'GET' && x.method !== 'HEAD') throw methodNotAllowed(x);
    const { name, digest } = route;
    if (!isDigest(digest)) throw new OciError('DIGEST_INVALID', `"${digest}" is not a digest`);
    const bytes = this.contents.store.blob(this.contents.repository(name), digest);
    if (!bytes) throw new OciError('BLOB_UNKNOWN', `blob ${digest} not found in ${name}`, { digest });
    const common = {
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ETag: `"${digest}"`,
    };
    const range = x.method === 'GET' ? parseByteRange(x.req.headers.range, bytes.length) : undefined;
    if (range === 'unsatisfiable') {
      reply(x.res, 416, { ...common, 'Content-Range': `bytes */${bytes.length}`, 'Content-Length': 0 }, '');
      return;
    }
    if (range) {
      const part = bytes.subarray(range.start, range.end + 1);
      reply(x.res, 206, { ...common, 'Content-Range': `bytes ${range.start}-${range.end}/${bytes.length}` }, part);
      return;
    }
    reply(x.res, 200, { ...common, 'Content-Length': bytes.length }, x.method === 'HEAD' ? undefined : bytes);
  }

  /**
   * `POST …/blobs/uploads/?mount=D&from=R`: links blob D from repository R and answers 201.
   * `false` (nothing answered) when the request is no mount or R lacks the blob: the spec then
   * wants an ordinary upload session instead.
   */
  mount(name: string, x: RegistryExchange): boolean {
    const mount = x.url.searchParams.get('mount');
    const from = x.url.searchParams.get('from');
    if (mount === null || from === null) return false;
    if (!isDigest(mount)) throw new OciError('DIGEST_INVALID', `mount: "${mount}" is not a digest`);
    if (!isValidRepositoryName(from)) return false;
    const { contents } = this;
    if (!contents.store.mountBlob(contents.repository(name), mount, contents.repository(from))) return false;
    x.req.resume();
    replyBlobCreated(x.res, name, mount);
    return true;
  }
}
