import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddedRegistryServer,
  type RegistryRequestLog,
} from '../../../src/adapters/embedded-registry/embedded-registry-server';
import { buildSampleImage, type SampleImage } from '../../../src/main/demo/sample-image';
import { MediaType } from '../../../src/domain/media-types';

const run = promisify(execFile);
const SKOPEO = '/usr/bin/skopeo';
const UMOCI = '/usr/bin/umoci';

let server: EmbeddedRegistryServer;
let work: string;
let sample: SampleImage;
let env: NodeJS.ProcessEnv;
const log: RegistryRequestLog[] = [];

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await run(SKOPEO, ['--policy', join(work, 'policy.json'), ...args], { env, timeout: 30_000 });
  return stdout;
}

async function rawManifest(ref: string): Promise<{ mediaType?: string; manifests?: unknown[] }> {
  return JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', ref)) as {
    mediaType?: string;
    manifests?: unknown[];
  };
}

beforeAll(async () => {
  for (const tool of [SKOPEO, UMOCI])
    if (!existsSync(tool)) throw new Error(`${tool} is missing: apt-get install skopeo umoci`);
  work = await mkdtemp(join(tmpdir(), 'ri-skopeo-'));
  // Skopeo keeps a blob cache under HOME; keep it out of the real one and away from other tests.
  env = { PATH: process.env.PATH, HOME: work, XDG_RUNTIME_DIR: work, TMPDIR: work };
  await writeFile(join(work, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  server = new EmbeddedRegistryServer({ onRequest: (e) => log.push(e) });
  await server.start(0, '127.0.0.1');
  sample = await buildSampleImage(work, { version: '2.0.0', message: 'round trip through skopeo' });
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('skopeo against the embedded registry', () => {
  it('pushes a Docker schema 2 image and pulls it back with identical content', async () => {
    const ref = `docker://${server.host}/skopeo/app:v2`;
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${sample.tarball}`, ref);
    const manifest = await rawManifest(ref);
    expect(manifest.mediaType).toBe(MediaType.DockerManifest);
    // Uploads went through upload sessions and were all closed.
    expect(log.some((e) => e.method === 'POST' && e.path === '/v2/skopeo/app/blobs/uploads/' && e.status === 202)).toBe(
      true,
    );
    expect(server.openUploads).toBe(0);

    await skopeo('copy', '--src-tls-verify=false', ref, `oci:${join(work, 'pulled')}:v2`);
    await run(UMOCI, ['unpack', '--rootless', '--image', `${join(work, 'pulled')}:v2`, join(work, 'bundle')], { env });
    expect(await readFile(join(work, 'bundle/rootfs/app/message.txt'), 'utf8')).toBe('round trip through skopeo\n');
    expect(await readFile(join(work, 'bundle/rootfs/app/VERSION'), 'utf8')).toBe('2.0.0\n');
    // The registry kept the pushed config byte for byte.
    const raw = (await rawManifest(ref)) as { config?: { digest: string }; layers?: { digest: string }[] };
    expect(raw.config?.digest).toBe(sample.configDigest);
    // Skopeo recompresses docker-archive layers, so the layer digest is its own; what is served must hash to it.
    const layerDigest = raw.layers?.[0]?.digest as string;
    const served = Buffer.from(await (await fetch(`${server.url}/v2/skopeo/app/blobs/${layerDigest}`)).arrayBuffer());
    expect(`sha256:${createHash('sha256').update(served).digest('hex')}`).toBe(layerDigest);
  });

  it('pushes an OCI manifest, lists tags and copies across repositories', async () => {
    await skopeo(
      'copy',
      '--dest-tls-verify=false',
      '--format',
      'oci',
      `docker-archive:${sample.tarball}`,
      `docker://${server.host}/skopeo/app:oci`,
    );
    expect((await rawManifest(`docker://${server.host}/skopeo/app:oci`)).mediaType).toBe(MediaType.OciManifest);
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${server.host}/skopeo/app`)) as {
      Tags: string[];
    };
    expect(tags.Tags).toEqual(['oci', 'v2']);

    await skopeo(
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${server.host}/skopeo/app:v2`,
      `docker://${server.host}/other/copy:v2`,
    );
    const copied = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${server.host}/other/copy:v2`);
    const original = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${server.host}/skopeo/app:v2`);
    expect(copied).toBe(original);
  });

  it('pushes and pulls a multi-platform OCI index with --all', async () => {
    const layout = join(work, 'pulled');
    const indexJson = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; size: number; mediaType: string }[];
    };
    const image = indexJson.manifests[0];
    if (!image) throw new Error('pulled layout has no manifest');
    const nested = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          {
            mediaType: image.mediaType,
            digest: image.digest,
            size: image.size,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    const nestedDigest = `sha256:${createHash('sha256').update(nested).digest('hex')}`;
    await writeFile(join(layout, 'blobs/sha256', nestedDigest.slice(7)), nested);
    indexJson.manifests.push({
      mediaType: MediaType.OciIndex,
      digest: nestedDigest,
      size: nested.length,
      ...{ annotations: { 'org.opencontainers.image.ref.name': 'multi' } },
    });
    await writeFile(join(layout, 'index.json'), JSON.stringify(indexJson));

    await skopeo(
      'copy',
      '--all',
      '--dest-tls-verify=false',
      `oci:${layout}:multi`,
      `docker://${server.host}/skopeo/multi:1`,
    );
    const pushed = await rawManifest(`docker://${server.host}/skopeo/multi:1`);
    expect(pushed.mediaType).toBe(MediaType.OciIndex);
    expect(pushed.manifests).toHaveLength(1);

    await skopeo(
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${server.host}/skopeo/multi:1`,
      `oci:${join(work, 'multi-out')}:1`,
    );
    const out = JSON.parse(await readFile(join(work, 'multi-out/index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(out.manifests[0]?.digest).toBe(nestedDigest);
  });
});
