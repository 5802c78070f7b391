import { type Readable } from 'node:stream';
import type { ImageInput, ImageInputKind, ManifestBlob } from '../../ports/image-input-port';
import { blobPath, verifiedBytes } from './blob-path';
import { type FileTree } from './file-tree';
import { layoutRoot, SINGLE_IMAGE_DIGEST_FILE } from './layout-root';

/**
 * An OCI image layout (a directory, or a tar of one). What it stands for, and so what is pushed
 * and with which digest, follows the Go resource (see `layoutRoot`); manifests are pushed byte
 * for byte, so their digests are kept.
 */
export class OciLayoutInput implements ImageInput {
  private constructor(
    readonly kind: ImageInputKind,
    readonly path: string,
    readonly root: ManifestBlob,
    private readonly tree: FileTree,
  ) {}

  static async open(tree: FileTree, kind: ImageInputKind): Promise<OciLayoutInput> {
    const root = await layoutRoot(
      {
        path: tree.path,
        manifest: (digest) => readManifest(tree, digest),
        marker: async () =>
          (await tree.size(SINGLE_IMAGE_DIGEST_FILE)) === undefined
            ? undefined
            : (await tree.read(SINGLE_IMAGE_DIGEST_FILE)).toString('utf8'),
      },
      await tree.read('index.json'),
      kind,
    );
    return new OciLayoutInput(kind, tree.path, root, tree);
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
