import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRegistryServer } from '../../../src/adapters/embedded-registry/embedded-registry-server';
import { buildSampleImage } from '../../../src/main/demo/sample-image';
import { CliUsageError, parseCliArguments, setField } from '../../../src/main/demo/cli-request';
import { REPO_ROOT } from '../support/run-bin';

const run = promisify(execFile);
const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`);
};

describe('parseCliArguments', () => {
  it('builds nested source, params and version from KEY=VALUE flags', () => {
    const parsed = parseCliArguments(
      [
        'in',
        'dest',
        '--source',
        'repository=registry.example/app',
        '--source=platform.architecture=arm64',
        '--source',
        'platform.os=linux',
        '--source',
        'pre_releases=true',
        '--source',
        'tag=1.10',
        '--version',
        'tag=1.10',
        '--version',
        'digest=sha256:abc',
        '--params',
        'format=oci',
        '--params',
        'skip_download=false',
      ],
      noFiles,
    );
    expect(parsed).toEqual({
      command: 'in',
      dir: 'dest',
      dryRun: false,
      printRequest: false,
      request: {
        source: {
          repository: 'registry.example/app',
          platform: { architecture: 'arm64', os: 'linux' },
          pre_releases: true,
          tag: '1.10',
        },
        version: { tag: '1.10', digest: 'sha256:abc' },
        params: { format: 'oci', skip_download: false },
      },
    });
  });

  it('appends repeated array fields and reads @file values', () => {
    const files: Record<string, string> = { 'a.pem': 'CERT A', 'b.pem': 'CERT B' };
    const request: Record<string, unknown> = {};
    setField(request, 'source', 'ca_certs=@a.pem', (p) => files[p] as string);
    setField(request, 'source', 'ca_certs=@b.pem', (p) => files[p] as string);
    setField(request, 'source', 'pre_release_prefixes=rc', noFiles);
    expect(request).toEqual({ source: { ca_certs: ['CERT A', 'CERT B'], pre_release_prefixes: ['rc'] } });
  });

  it('starts from --request and lets flags override it', () => {
    const base = JSON.stringify({ source: { repository: 'a/b', tag: 'old' }, params: { image: 'x.tar' } });
    const parsed = parseCliArguments(['out', '.', '--request', 'put.json', '--source', 'tag=new'], (p) => {
      expect(p).toBe('put.json');
      return base;
    });
    expect(parsed !== 'help' && parsed.request).toEqual({
      source: { repository: 'a/b', tag: 'new' },
      params: { image: 'x.tar' },
    });
  });

  it('rejects what cannot be a request', () => {
    expect(() => parseCliArguments(['push'], noFiles)).toThrow(CliUsageError);
    expect(() => parseCliArguments(['in', '--source', 'repository=x'], noFiles)).toThrow(/needs a directory/);
    expect(() => parseCliArguments(['check', '--source', 'debug=yes'], noFiles)).toThrow(/true or false/);
    expect(() => parseCliArguments(['check', '--source', 'novalue'], noFiles)).toThrow(/KEY=VALUE/);
    expect(() => parseCliArguments(['check', '--source', '__proto__.x=1'], noFiles)).toThrow(/invalid key/);
    expect(() => parseCliArguments(['check', '--params', 'format=oci'], noFiles)).toThrow(/no params/);
    expect(() => parseCliArguments(['check', '--frobnicate'], noFiles)).toThrow(/unknown option/);
    expect(parseCliArguments(['--help'], noFiles)).toBe('help');
  });
});

describe('bin/registry-image', () => {
  let work: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) =>
    run(process.execPath, [join(REPO_ROOT, 'bin/registry-image'), ...args], { cwd: work, env, timeout: 30_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    );

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli.mjs')))
      await run(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT });
    work = await mkdtemp(join(tmpdir(), 'ri-cli-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints usage with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: registry-image check|in|out');
  });

  it('prints the request it would send, with secrets masked', async () => {
    await writeFile(join(work, 'password.txt'), 's3cr3t-pass');
    const r = await cli([
      'check',
      '--source',
      'repository=127.0.0.1:1/x',
      '--source',
      'username=u',
      '--source',
      'password=@password.txt',
      '--dry-run',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ source: { repository: '127.0.0.1:1/x', username: 'u', password: '***' } });
    expect(r.stdout).not.toContain('s3cr3t-pass');
  });

  it('runs the real bin/check with the built request and passes its exit code through', async () => {
    // The real parser rejects an unknown field: proof that the request reached bin/check.
    const r = await cli(['check', '--source', 'repository=127.0.0.1:1/x', '--source', 'no_such_field=1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown field "source.no_such_field"');
  });

  it('pushes with out and finds the version with check, from flags alone', async () => {
    const registry = new EmbeddedRegistryServer();
    await registry.start(0, '127.0.0.1');
    try {
      const put = join(work, 'put');
      await mkdir(put);
      await buildSampleImage(put, { version: '3.1.4', message: 'via the CLI' });
      const repository = `repository=${registry.host}/cli/app`;
      const pushed = await cli([
        'out',
        'put',
        '--source',
        repository,
        '--params',
        'image=image/*.tar',
        '--params',
        'version=3.1.4',
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const version = (JSON.parse(pushed.stdout) as { version: { tag: string; digest: string } }).version;
      expect(version.tag).toBe('3.1.4');
      const checked = await cli(['check', '--source', repository, '--source', 'tag=3.1.4']);
      expect(checked.code, checked.stderr).toBe(0);
      expect(JSON.parse(checked.stdout)).toEqual([version]);
    } finally {
      await registry.stop();
    }
  });

  it('exits 2 on usage errors', async () => {
    const r = await cli(['fetch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "fetch"');
  });
});
