import { mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { injectable } from 'inversify';
import { ResourceError } from '../../domain/errors';
import { FilesystemError } from '../../ports/filesystem-port';
import { RegistryError } from '../../ports/registry-errors';
import type { ImageOutputPort, ImageToWrite, OciLayoutContent } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { trackIncomplete } from '../incomplete-paths';
import { writeOciLayout } from './oci-layout-writer';
import { writeOciTarball } from './oci-tarball-writer';
import type { ProgressSink } from './progress-reporter';
import { unpackRootfs } from './rootfs-unpacker';
import type { ZstdBackend } from './zstd-decompress';

export interface FsImageOutputOptions {
  readonly progressSink: ProgressSink;
  /** Restore file owners; only possible (and wanted) as root. */
  readonly chown: boolean;
  /** Blobs downloaded at once. */
  readonly concurrency?: number;
  /** Tar bytes a layer may produce before its expansion ratio is checked; 128 MiB unless a test lowers it. */
  readonly expansionFloor?: number;
  /** The zstd decoder; detected from the runtime unless a test picks one. */
  readonly zstd?: ZstdBackend;
}

function wrapFilesystem(error: unknown, what: string): never {
  if (error instanceof ResourceError) throw error;
  const message = `${what}: ${(error as Error).message}`;
  // Local I/O names its syscall; anything else is the image's content, which came from the registry.
  if (typeof (error as NodeJS.ErrnoException).syscall === 'string')
    throw new FilesystemError(message, { cause: error });
  throw new RegistryError(message, { cause: error });
}

/** The destination directory on the local filesystem, in the three formats of the Go resource. */
@injectable()
export class FsImageOutput implements ImageOutputPort {
  private readonly concurrency: number;

  constructor(
    private readonly logger: Logger,
    private readonly options: FsImageOutputOptions,
  ) {
    this.concurrency = options.concurrency ?? 4;
  }

  async writeRootfs(dest: string, image: ImageToWrite): Promise<void> {
    const rootfs = `${dest}/rootfs`;
    // A retry (mirror, then origin) must not build on what a failed attempt left.
    rmSync(rootfs, { recursive: true, force: true });
    await this.withSpool(
      dest,
      (spool) =>
        unpackRootfs(rootfs, spool, image, {
          logger: this.logger,
          progressSink: this.options.progressSink,
          chown: this.options.chown,
          concurrency: this.concurrency,
          ...(this.options.expansionFloor !== undefined ? { expansionFloor: this.options.expansionFloor } : {}),
          ...(this.options.zstd ? { zstd: this.options.zstd } : {}),
        }),
      rootfs,
    );
  }

  async writeOciTarball(dest: string, image: ImageToWrite, repoTag: string): Promise<void> {
    const tarball = `${dest}/image.tar`;
    await this.withSpool(
      dest,
      (spool) =>
        writeOciTarball(tarball, spool, image, repoTag, {
          logger: this.logger,
          progressSink: this.options.progressSink,
          concurrency: this.concurrency,
        }),
      tarball,
    );
  }

  async writeOciLayout(dest: string, content: OciLayoutContent): Promise<void> {
    const finished = trackIncomplete(`${dest}/oci`);
    try {
      await writeOciLayout(`${dest}/oci`, content, {
        logger: this.logger,
        progressSink: this.options.progressSink,
        concurrency: this.concurrency,
      });
    } catch (error) {
      wrapFilesystem(error, `writing the OCI layout to ${dest}/oci`);
    } finally {
      finished();
    }
  }

  /**
   * Early layers spool next to the output (same filesystem, removed afterwards). The spool and
   * `output` stay listed as incomplete while `work` runs, so an aborted step removes them.
   */
  private async withSpool(dest: string, work: (spool: string) => Promise<void>, output: string): Promise<void> {
    const spool = `${dest}/.spool-${randomBytes(4).toString('hex')}`;
    const spoolDone = trackIncomplete(spool);
    const outputDone = trackIncomplete(output);
    try {
      mkdirSync(dest, { recursive: true });
      await work(spool);
    } catch (error) {
      wrapFilesystem(error, `writing the image to ${dest}`);
    } finally {
      rmSync(spool, { recursive: true, force: true });
      spoolDone();
      outputDone();
    }
  }
}
