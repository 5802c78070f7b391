import { createHash } from 'node:crypto';
import { createWriteStream, createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MediaType } from '../../domain/media-types';
import type { ImageInput, ManifestBlob } from '../../ports/image-input-port';
import { digestOf } from './blob-path';
import { READ_CHUNK, type TarFileTree } from './file-tree';
import { mapLimit } from '../../application/concurrency';
import { trackIncomplete } from '../incomplete-paths';
import { FilesystemError } from '../../ports/filesystem-port';

interface SaveManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

/** `host/path:tag` → `host/path` (a port's colon comes before the last slash). */
function repositoryOf(repoTag: string | undefined): string | undefined {
  if (!repoTag) return undefined;
  const colon = repoTag.lastIndexOf(':');
  return colon > repoTag.lastIndexOf('/') ? repoTag.slice(0, colon) : repoTag;
}

type BlobSource = { kind: 'entry'; name: string } | { kind: 'spool'; file: string };

interface LayerBlob {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly source: BlobSource;
}

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const NAMED_BY_DIGEST = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/;
/** Gzip is CPU-bound: one per core. */
const COMPRESS_CONCURRENCY = 2;

function startsWith(bytes: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

async function hashStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * A `docker save` style tarball (`manifest.json` + config + layer files). Like go-containerregistry's
 * tarball image, it is pushed as a Docker schema 2 manifest built from the files: compressed layers
 * go as they are, uncompressed ones are gzipped (fastest level) into a temporary file first,
 * because a registry needs a blob's digest before the upload.
 */
export class DockerArchiveInput implements ImageInput {
  readonly kind = 'docker-archive' as const;

  private constructor(
    readonly path: string,
    readonly root: ManifestBlob,
    private readonly tree: TarFileTree,
    private readonly blobs: Map<string, BlobSource>,
    private readonly spoolDir: string | undefined,
    readonly origin: string | undefined,
  ) {}

  static async open(tree: TarFileTree): Promise<DockerArchiveInput> {
    let entries: SaveManifestEntry[];
    try {
      entries = JSON.parse((await tree.read('manifest.json')).toString('utf8')) as SaveManifestEntry[];
    } catch (error) {
      throw new FilesystemError(`${tree.path}: manifest.json is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(entries) || entries.length !== 1) {
      throw new FilesystemError(
        `${tree.path} must hold exactly one image, its manifest.json lists ${Array.isArray(entries) ? entries.length : 0}`,
      );
    }
    const entry = entries[0] as SaveManifestEntry;
    if (!entry.Config || !Array.isArray(entry.Layers)) {
      throw new FilesystemError(`${tree.path}: manifest.json entry lacks Config or Layers`);
    }
    const configBytes = await tree.read(entry.Config);
    const configDigest = digestOf(configBytes);
    let spoolDir: string | undefined;
    let creating: Promise<string> | undefined;
    // One directory however many layers need it at once; listed as incomplete (an aborted `out`
    // removes it on its way out) until close() removes it.
    const spool = (): Promise<string> =>
      (creating ??= mkdtemp(join(tmpdir(), 'out-layers-')).then((dir) => {
        spoolDir = dir;
        trackIncomplete(dir);
        return dir;
      }));
    try {
      const layers = await mapLimit(entry.Layers, COMPRESS_CONCURRENCY, (name, i) =>
        describeLayer(tree, name, i, spool),
      );
      const blobs = new Map<string, BlobSource>([[configDigest, { kind: 'entry', name: entry.Config }]]);
      for (const layer of layers) blobs.set(layer.digest, layer.source);
      // Field order as go-containerregistry serialises it, so the same files give the Go resource's digest.
      const manifest = {
        schemaVersion: 2,
        mediaType: MediaType.DockerManifest,
        config: { mediaType: MediaType.DockerConfig, size: configBytes.length, digest: configDigest },
        layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      const root = { digest: digestOf(bytes), mediaType: MediaType.DockerManifest, bytes };
      return new DockerArchiveInput(tree.path, root, tree, blobs, spoolDir, repositoryOf(entry.RepoTags?.[0]));
    } catch (error) {
      if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
      throw error;
    }
  }

  async manifest(): Promise<Buffer | undefined> {
    return undefined;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return this.blobs.has(digest);
  }

  openBlob(digest: string): Readable {
    const source = this.blobs.get(digest);
    if (!source) throw new FilesystemError(`${this.path} holds no blob ${digest}`);
    return source.kind === 'entry'
      ? this.tree.open(source.name)
      : createReadStream(source.file, { highWaterMark: READ_CHUNK });
  }

  async close(): Promise<void> {
    if (this.spoolDir) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

async function describeLayer(
  tree: TarFileTree,
  name: string,
  index: number,
  spoolDir: () => Promise<string>,
): Promise<LayerBlob> {
  const size = await tree.size(name);
  if (size === undefined) throw new FilesystemError(`${tree.path}: layer ${name} listed in manifest.json is missing`);
  const magic = await tree.head(name, 4);
  const compressed = startsWith(magic, GZIP)
    ? MediaType.DockerLayerGzip
    : startsWith(magic, ZSTD)
      ? MediaType.DockerLayerZstd
      : undefined;
  if (compressed) {
    // A file stored under its digest (docker save 25+, buildkit) needs no hashing: the registry
    // verifies the bytes on upload, and an existing blob is by definition the right content.
    const named = NAMED_BY_DIGEST.exec(name);
    const digest = named ? `sha256:${named[1]}` : await hashStream(tree.open(name));
    return { digest, size, mediaType: compressed, source: { kind: 'entry', name } };
  }
  const file = join(await spoolDir(), `layer-${index}.tar.gz`);
  const hash = createHash('sha256');
  let compressedSize = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      compressedSize += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(tree.open(name), createGzip({ level: 1 }), tee, createWriteStream(file));
  return {
    digest: `sha256:${hash.digest('hex')}`,
    size: compressedSize,
    mediaType: MediaType.DockerLayerGzip,
    source: { kind: 'spool', file },
  };
}
