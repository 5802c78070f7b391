import { stat } from 'node:fs/promises';
import { injectable } from 'inversify';
import type { ImageInput, ImageInputPort } from '../../ports/image-input-port';
import { DockerArchiveInput } from './docker-archive-input';
import { DirectoryFileTree, TarFileTree } from './file-tree';
import { OciLayoutInput } from './oci-layout-input';
import { FilesystemError } from '../../ports/filesystem-port';

/**
 * Image inputs on the local filesystem. The kind is detected from the content: a directory is an
 * OCI layout; a tar holding `index.json` is an OCI archive (preferred even when a `manifest.json`
 * sits beside it, as in buildkit's and docker 25's output, because it keeps the exact manifest);
 * a tar with only `manifest.json` is a `docker save` tarball.
 */
@injectable()
export class FsImageInputs implements ImageInputPort {
  async open(path: string): Promise<ImageInput> {
    const info = await stat(path);
    if (info.isDirectory()) {
      const tree = new DirectoryFileTree(path);
      if ((await tree.size('index.json')) === undefined) {
        throw new FilesystemError(`${path} is a directory but not an OCI layout (no index.json)`);
      }
      return OciLayoutInput.open(tree, 'oci-layout');
    }
    const tree = await TarFileTree.open(path);
    if (tree.has('index.json')) return OciLayoutInput.open(tree, 'oci-archive');
    if (tree.has('manifest.json')) return DockerArchiveInput.open(tree);
    throw new FilesystemError(
      `${path} is neither an OCI archive (index.json) nor a docker save tarball (manifest.json)`,
    );
  }
}
