import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleImage } from '../../../src/main/demo/sample-image';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { layOutOptResource, runScript, type OptResource } from '../support/opt-resource';
import { REPO_ROOT } from '../support/run-bin';

const exec = promisify(execFile);

let resource: OptResource;
let opt: string;
let scratch: string;
let registry: RunningRegistry;

beforeAll(async () => {
  resource = await layOutOptResource('docker-layout');
  opt = resource.opt;
  scratch = await mkdtemp(join(tmpdir(), 'ri-docker-layout-'));
  registry = await startRegistry();
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await resource?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('/opt/resource as the Docker image lays it out', () => {
  it('holds three executable scripts, their bundles and the lazily imported SDKs, nothing else', async () => {
    const entries = (await readdir(opt)).sort();
    expect(entries).toEqual(['check', 'check.mjs', 'in', 'in.mjs', 'node_modules', 'out', 'out.mjs', 'package.json']);
    // google_auth's library, imported lazily, is the one external the package depends on.
    expect(existsSync(join(opt, 'node_modules/google-auth-library/package.json'))).toBe(true);
    for (const step of ['check', 'in', 'out']) {
      expect((await stat(join(opt, step))).mode & 0o755).toBe(0o755);
      const size = (await stat(join(opt, `${step}.mjs`))).size;
      // A guard against bundling something huge by accident (the SDKs must stay external).
      expect(size).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('pushes, checks and fetches against the real registry with an empty environment', async () => {
    const put = join(scratch, 'put');
    await mkdir(put, { recursive: true });
    await buildSampleImage(put, { version: '1.0.0', message: 'from /opt/resource' });
    const source = { repository: `${registry.host}/layout/app` };

    const pushed = await runScript(
      join(opt, 'out'),
      { source, params: { image: 'image/image.tar', version: '1.0.0' } },
      [put],
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    const outResponse = JSON.parse(pushed.stdout) as { version: { tag: string; digest: string } };
    expect(outResponse.version.tag).toBe('1.0.0');

    const checked = await runScript(join(opt, 'check'), { source: { ...source, tag: '1.0.0' } });
    expect(checked.code, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout)).toEqual([{ tag: '1.0.0', digest: outResponse.version.digest }]);
    // tag_regex loads re2js, which ships in /opt/resource/node_modules rather than in the bundle.
    const matched = await runScript(join(opt, 'check'), { source: { ...source, tag_regex: '(?i)^1\\.0\\.\\d+\\z' } });
    expect(matched.code, matched.stderr).toBe(0);
    expect(JSON.parse(matched.stdout)).toEqual([{ tag: '1.0.0', digest: outResponse.version.digest }]);

    const dest = join(scratch, 'get');
    await mkdir(dest);
    const fetched = await runScript(join(opt, 'in'), { source, version: outResponse.version, params: {} }, [dest]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(await readFile(join(dest, 'rootfs/app/message.txt'), 'utf8')).toBe('from /opt/resource\n');
    expect((await readFile(join(dest, 'digest'), 'utf8')).trim()).toBe(outResponse.version.digest);
  });

  it('fails a bad request with one line on stderr and nothing on stdout', async () => {
    const r = await runScript(join(opt, 'check'), { source: {} });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('docker/layout.mjs external packages', () => {
  it('copies only the externals the package depends on, with their dependency closure', async () => {
    const root = join(scratch, 'externals');
    const pkg = async (dir: string, name: string, deps: Record<string, string> = {}): Promise<void> => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies: deps }));
      await writeFile(join(dir, 'index.js'), `export const name = '${name}';\n`);
    };
    await mkdir(root, { recursive: true });
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({ dependencies: { '@aws-sdk/client-ecr': '1', axios: '1', 'google-auth-library': '1' } }),
    );
    const nm = join(root, 'node_modules');
    await pkg(join(nm, '@aws-sdk/client-ecr'), '@aws-sdk/client-ecr', { tslib: '2', '@smithy/core': '1' });
    await pkg(join(nm, '@aws-sdk/client-ecr/node_modules/@smithy/core'), '@smithy/core', { tslib: '2' });
    await pkg(join(nm, 'tslib'), 'tslib');
    await pkg(join(nm, 'google-auth-library'), 'google-auth-library', { gaxios: '1' });
    await pkg(join(nm, 'gaxios'), 'gaxios');
    await pkg(join(nm, 'axios'), 'axios', { 'follow-redirects': '1' });
    await pkg(join(nm, 'follow-redirects'), 'follow-redirects');
    const dest = join(root, 'opt');
    await exec(process.execPath, [join(REPO_ROOT, 'docker/layout.mjs'), join(REPO_ROOT, 'dist'), dest, nm]);
    const copied = (await readdir(join(dest, 'node_modules'), { recursive: true }))
      .filter((p) => p.endsWith('package.json'))
      .map((p) => dirname(p))
      .sort();
    expect(copied).toEqual([
      '@aws-sdk/client-ecr',
      '@aws-sdk/client-ecr/node_modules/@smithy/core',
      'gaxios',
      'google-auth-library',
      'tslib',
    ]);
    expect(existsSync(join(dest, 'node_modules/axios'))).toBe(false);
  });
});
