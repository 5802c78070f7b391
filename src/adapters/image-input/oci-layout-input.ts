import { type Readable } from 'node:stream';
import { ResourceError } from '../../domain/errors';
import { type Descriptor, type ImageIndex, manifestMediaType } from '../../domain/manifest';
import type { ImageInput, ImageInputKind, ManifestBlob } from '../../ports/image-input-port';
import { blobPath, verifiedBytes } from './blob-path';
import { type FileTree } from './file-tree';

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new ResourceError('FILESYSTEM', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * An OCI image layout (a directory, or a tar of one): `index.json` must name exactly one manifest
 * or index, as the Go resource requires; that entry is pushed byte for byte, so its digest is kept.
 */
export class OciLayoutInput implements ImageInput {
  private constructor(
    readonly kind: ImageInputKind,
    readonly path: string,
    readonly root: ManifestBlob,
    private readonly tree: FileTree,
  ) {}

  static async open(tree: FileTree, kind: ImageInputKind): Promise<OciLayoutInput> {
    const index = parseJson<ImageIndex>(await tree.read('index.json'), `${tree.path}: index.json`);
    const entries: Descriptor[] = Array.isArray(index.manifests) ? index.manifests : [];
    if (entries.length !== 1) {
      throw new ResourceError(
        'FILESYSTEM',
        `OCI layout ${tree.path} must hold exactly one image or index in index.json, found ${entries.length}`,
      );
    }
    const entry = entries[0] as Descriptor;
    const bytes = await readManifest(tree, entry.digest);
    if (!bytes) throw new ResourceError('FILESYSTEM', `OCI layout ${tree.path}: manifest ${entry.digest} is missing`);
    return new OciLayoutInput(
      kind,
      tree.path,
      { digest: entry.digest, mediaType: entry.mediaType || manifestMediaType(bytes), bytes },
      tree,
    );
  }

  manifest(digest: string): Promise<Buffer | undefined> {
    return readManifest(this.tree, digest);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.tree.size(blobPath(digest))) !== undefined;
  }

  openBlob(digest: string): Readable {
    return this.tree.open(blobPath(digest));
  }

  async close(): Promise<void> {}
}

async function readManifest(tree: FileTree, digest: string): Promise<Buffer | undefined> {
  const path = blobPath(digest);
  if ((await tree.size(path)) === undefined) return undefined;
  return verifiedBytes(await tree.read(path), digest, `${tree.path}: manifest ${digest}`);
}
