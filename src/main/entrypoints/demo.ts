import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedRegistryServer } from '../../adapters/embedded-registry/embedded-registry-server';
import { fileTree } from '../demo/file-tree';
import { buildSampleImage } from '../demo/sample-image';
import { defaultBinDir, runStep, type StepName } from '../demo/step-runner';

/**
 * `npm run demo`: the main job of a pipeline, put → check → get, against a registry inside
 * this process. The three steps are the real bin/out, bin/check and bin/in, spawned with the
 * request on stdin exactly as a Concourse worker runs /opt/resource/*.
 */

const out = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};
const indent = (text: string, prefix = '    '): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
const json = (value: unknown): string => JSON.stringify(value, null, 2);

async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  // --keep leaves the pushed tarballs and the fetched rootfs behind for a look (and for tests).
  const keep = argv.includes('--keep');
  const binDir = process.env.REGISTRY_IMAGE_BIN_DIR ?? defaultBinDir(import.meta.url);
  const work = await mkdtemp(join(tmpdir(), 'registry-image-demo-'));
  let httpRequests = 0;
  // The registry counts traffic rather than printing it: the interesting part is the resource's I/O.
  const registry = new EmbeddedRegistryServer({ onRequest: () => void httpRequests++ });
  const failures: string[] = [];
  try {
    await registry.start(0, '127.0.0.1');
    out(`registry-image demo: put → check → get against an embedded registry (no network, no Docker)`);
    out(`  registry  ${registry.url} (in-memory, anonymous, plain HTTP on loopback)`);
    out(`  workdir   ${work}`);

    const repository = `${registry.host}/demo/hello`;
    const source = { repository };
    const step = async (title: string, name: StepName, request: unknown, args: string[] = []): Promise<unknown> => {
      out();
      out(`━━ ${title}`);
      out(`$ echo '<request>' | bin/${name}${args.length ? ` ${args.join(' ')}` : ''}`);
      out('  request (stdin):');
      out(indent(json(request)));
      const result = await runStep(name, request, { binDir, args, cwd: work });
      if (result.stderr.trim() !== '') {
        out('  log (stderr):');
        out(indent(result.stderr));
      }
      if (result.exitCode !== 0) {
        out(`  ✗ bin/${name} exited ${result.exitCode} after ${result.ms} ms`);
        failures.push(`${title}: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.exitCode}`}`);
        return undefined;
      }
      const response: unknown = JSON.parse(result.stdout);
      out('  response (stdout):');
      out(indent(json(response)));
      out(`  ✓ ${result.ms} ms`);
      return response;
    };

    // Two releases, so check has a history and bump_aliases has something to move.
    for (const [version, message] of [
      ['1.2.3', 'hello from release 1.2.3'],
      ['1.3.0', 'hello from release 1.3.0'],
    ] as const) {
      const putDir = join(work, `put-${version}`);
      await mkdir(putDir, { recursive: true });
      const image = await buildSampleImage(putDir, { version, message });
      out();
      out(
        `built sample image ${version}: 1 layer (${image.files.length} entries), config ${image.configDigest.slice(0, 19)}…`,
      );
      await step(
        `put ${version} with bump_aliases (out)`,
        'out',
        { source, params: { image: 'image/image.tar', version, bump_aliases: true } },
        [putDir],
      );
    }

    const tagsResponse = await fetch(`${registry.url}/v2/demo/hello/tags/list`);
    out();
    out(`tags in the registry now: ${JSON.stringify(((await tagsResponse.json()) as { tags?: string[] }).tags ?? [])}`);

    const versions = await step('check in semver mode (no tag)', 'check', { source, version: null });
    const latest = Array.isArray(versions) ? (versions[versions.length - 1] as unknown) : undefined;

    const getDir = join(work, 'get');
    await mkdir(getDir, { recursive: true });
    if (latest !== undefined) {
      const fetched = await step(
        'get the newest version as rootfs (in)',
        'in',
        { source, version: latest, params: {} },
        [getDir],
      );
      if (fetched !== undefined) {
        out();
        out(`━━ what in wrote to ${getDir}`);
        for (const line of await fileTree(getDir, 40)) out(`  ${line}`);
        const message = join(getDir, 'rootfs/app/message.txt');
        if (existsSync(message)) out(`\n$ cat rootfs/app/message.txt\n  ${(await readFile(message, 'utf8')).trim()}`);
      }
    } else {
      failures.push('get skipped: check returned no version');
    }
  } finally {
    await registry.stop();
    if (keep) out(`\nkept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  out();
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  if (failures.length > 0) {
    out(`demo FAILED after ${seconds} s:`);
    for (const f of failures) out(`  - ${f}`);
    return 1;
  }
  out(`demo finished in ${seconds} s (${httpRequests} registry requests served)`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
