/**
 * Concourse aborts a build with SIGTERM. bin/in and bin/out, mid-transfer through a slow proxy in
 * front of the real registry, must exit within 2 s, non-zero, with one line; leave no temporary
 * file behind (TMPDIR and the destination are checked); `out` must leave no tag on an
 * incomplete image, and `in` must work when re-run into the same directory.
 *
 * Each test first waits until the temporary files exist, so removing the cleanup on abort makes
 * the "nothing left" assertions fail rather than pass vacuously.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, getManifest, layerFromFiles, pushImage, type BuiltImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { dockerSaveEntries, writeTarFile } from '../../unit/adapters/image-input/layout-fixtures';
import { spawnStep, type SignalledStep } from './spawn-step';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy';

const MiB = 1024 * 1024;
/** Two 4 MiB layers at 2 MiB/s: the transfer takes seconds, the signal lands in the middle. */
const RATE = 2 * MiB;

async function until(
  what: string,
  condition: () => boolean,
  timeoutMs = 20_000,
  log: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr so far: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Incompressible content, so the bytes on the wire are the bytes of the file. */
function bigImage(seed: string): BuiltImage {
  return buildImage({
    layers: [0, 1].map((i) =>
      layerFromFiles([
        { path: `data/${seed}-${i}.bin`, content: randomBytes(4 * MiB) },
        { path: `data/${seed}-${i}.txt`, content: `layer ${i} of ${seed}` },
      ]),
    ),
    mediaTypes: 'docker',
  });
}

function expectAborted(result: SignalledStep, step: 'in' | 'out'): void {
  expect(result.msAfterSignal, result.stderr).toBeLessThan(2_000);
  expect(result.signal).toBeNull();
  expect(result.code).toBe(143);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith(`${step}: `))).toEqual([`${step}: aborted by SIGTERM`]);
  expect(lines.at(-1)).toBe(`${step}: aborted by SIGTERM`);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('aborting in and out with SIGTERM mid-transfer', () => {
  const registry = withRegistry();
  let proxy: ThrottleProxy;
  let work: string;
  let temp: string;
  const env = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TMPDIR: temp,
    NODE_DISABLE_COMPILE_CACHE: '1',
  });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'signals-it-'));
    proxy = await startThrottleProxy(registry.get().host, RATE);
  });
  afterAll(async () => {
    await proxy.stop();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    temp = mkdtempSync(join(work, 'tmp-'));
  });
  afterEach(() => rmSync(temp, { recursive: true, force: true }));

  for (const format of ['rootfs', 'oci'] as const) {
    it(`in (${format}): exits within 2 s with one line, removes its spool and partial output, and a re-run into the same directory succeeds`, async () => {
      const repo = `signals/in-${format}`;
      const image = bigImage(`in-${format}`);
      const digest = await pushImage(registry.get(), repo, 'v1', image);
      const dest = join(work, `dest-${format}`);
      mkdirSync(dest);
      const request = (host: string): object => ({
        source: { repository: `${host}/${repo}` },
        version: { tag: 'v1', digest },
        params: { format },
      });
      const before = proxy.downloaded();
      const step = spawnStep('in', request(proxy.host), { args: [dest], env: env() });
      // The second layer downloads alongside the first and spools next to the output.
      const spoolOf = (): string[] => readdirSync(dest).filter((n) => n.startsWith('.spool-'));
      const output = join(dest, format === 'rootfs' ? 'rootfs' : 'image.tar');
      await until(
        `a spool and ${output} mid-download`,
        () => {
          const spool = spoolOf()[0];
          return (
            spool !== undefined &&
            readdirSync(join(dest, spool)).length > 0 &&
            existsSync(output) &&
            proxy.downloaded() - before > 2 * MiB
          );
        },
        20_000,
        step.stderr,
      );
      expect(proxy.downloaded() - before).toBeLessThan(image.layers.reduce((n, l) => n + l.size, 0));

      const aborted = await step.signal('SIGTERM');

      expectAborted(aborted, 'in');
      expect(spoolOf()).toEqual([]);
      expect(existsSync(output)).toBe(false);
      expect(readdirSync(temp)).toEqual([]);

      const again = await runBin('in', request(registry.get().host), { args: [dest], env: env(), inheritEnv: false });
      expect(again.code, again.stderr).toBe(0);
      expect(again.json).toMatchObject({ version: { digest } });
      if (format === 'rootfs') {
        expect(readFileSync(join(dest, 'rootfs/data/in-rootfs-1.txt'), 'utf8')).toBe('layer 1 of in-rootfs');
      } else {
        expect(readFileSync(join(dest, 'image.tar')).length).toBeGreaterThan(8 * MiB);
      }
      expect(readdirSync(dest).filter((n) => n.startsWith('.'))).toEqual([]);
      expect(readdirSync(temp)).toEqual([]);
    });
  }

  it('out: exits within 2 s with one line, removes its layer spool from TMPDIR, and moves no tag', async () => {
    const repo = 'signals/out';
    const previous = buildImage({ layers: [layerFromFiles([{ path: 'old', content: 'previous release' }])] });
    const previousDigest = await pushImage(registry.get(), repo, 'latest', previous);
    const src = join(work, 'out-src');
    mkdirSync(src);
    // Uncompressed layers: out gzips them into a spool under TMPDIR before uploading.
    writeTarFile(join(src, 'image.tar'), dockerSaveEntries(bigImage('out'), 'tar'));
    const before = proxy.uploaded();
    const step = spawnStep(
      'out',
      { source: { repository: `${proxy.host}/${repo}`, tag: 'latest' }, params: { image: 'image.tar' } },
      { args: [src], env: env() },
    );
    await until(
      'out uploading its layers',
      () => readdirSync(temp).length > 0 && proxy.uploaded() - before > MiB,
      20_000,
      step.stderr,
    );
    expect(readdirSync(temp).filter((n) => n.startsWith('out-layers-'))).toHaveLength(1);

    const aborted = await step.signal('SIGTERM');

    expectAborted(aborted, 'out');
    expect(readdirSync(temp)).toEqual([]);
    // The tag still names the previous image, and the upload created no other tag.
    const latest = await getManifest(registry.get(), repo, 'latest');
    expect(latest.digest).toBe(previousDigest);
    const tags = (await (await fetch(`${registry.get().url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['latest']);
  });
});
