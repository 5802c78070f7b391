/**
 * `bin/check` as Concourse runs it, against the real CNCF registry on 127.0.0.1.
 * Full JSON output is compared; images are built and pushed by the test fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, layerFromFiles, randomImage } from '../support/image-fixtures';
import { deleteTag, getManifest, pushImage, pushIndex } from '../support/registry-push';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { startProxy, stripHeaders, type RunningProxy } from '../support/http-proxy';
import { runBin } from '../support/run-bin';
import { httpRequest } from '../support/http-client';

let registry: RunningRegistry;
const digests = new Map<string, string>();

async function push(repo: string, tags: string[], seed: string, created?: string): Promise<string> {
  const image = created
    ? buildImage({ layers: [layerFromFiles([{ path: 'f.txt', content: seed }])], config: { created } })
    : randomImage(seed);
  let digest = '';
  for (const tag of tags) digest = await pushImage(registry, repo, tag, image);
  if (tags.length === 0) digest = await pushImage(registry, repo, image.digest, image);
  digests.set(seed, digest);
  return digest;
}

async function check(source: Record<string, unknown>, version?: Record<string, unknown>) {
  const result = await runBin('check', { source, ...(version ? { version } : {}) });
  if (result.code !== 0) throw new Error(`check failed (${result.code}): ${result.stderr}`);
  return result.json;
}

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

describe('tag mode', () => {
  it('reports the digest the tag points to, with the tag', async () => {
    const digest = await push('tagmode/current', ['latest'], 'tag-current');
    expect(await check({ repository: `${registry.host}/tagmode/current`, tag: 'latest' })).toEqual([
      { tag: 'latest', digest },
    ]);
  });

  it('returns [cursor, current] while the cursor digest exists, [current] once it is deleted', async () => {
    const repo = 'tagmode/moved';
    const old = await push(repo, ['latest'], 'tag-old');
    await push(repo, ['keep-old'], 'tag-old'); // another tag keeps the old manifest alive
    const current = await push(repo, ['latest'], 'tag-new');
    const source = { repository: `${registry.host}/${repo}`, tag: 'latest' };
    expect(await check(source, { tag: 'latest', digest: old })).toEqual([
      { tag: 'latest', digest: old },
      { tag: 'latest', digest: current },
    ]);
    await deleteTag(registry, repo, old); // deletes the manifest by digest
    expect(await check(source, { tag: 'latest', digest: old })).toEqual([{ tag: 'latest', digest: current }]);
  });

  it('returns [] for a missing tag and for a missing repository', async () => {
    await push('tagmode/exists', ['latest'], 'tag-exists');
    expect(await check({ repository: `${registry.host}/tagmode/exists`, tag: 'missing' })).toEqual([]);
    expect(await check({ repository: `${registry.host}/tagmode/never-pushed`, tag: 'latest' })).toEqual([]);
  });

  it('keeps a numeric tag exactly as written (1.10 is not 1.1)', async () => {
    const repo = 'tagmode/numeric';
    const ten = await push(repo, ['1.10'], 'num-1.10');
    await push(repo, ['1.1'], 'num-1.1');
    const result = await runBin('check', `{"source":{"repository":"${registry.host}/${repo}","tag":1.10}}`);
    expect(result.stderr).toBe('');
    expect(result.json).toEqual([{ tag: '1.10', digest: ten }]);
  });

  it('resolves multi-arch indexes and Docker manifest lists to the index digest', async () => {
    const oci = buildIndex([
      randomImage('idx-amd64', { platform: { os: 'linux', architecture: 'amd64' } }),
      randomImage('idx-arm64', { platform: { os: 'linux', architecture: 'arm64' } }),
    ]);
    const ociDigest = await pushIndex(registry, 'tagmode/index', 'oci', oci);
    const docker = buildIndex([randomImage('dl-amd64', { mediaTypes: 'docker' })], { mediaType: 'docker' });
    const dockerDigest = await pushIndex(registry, 'tagmode/index', 'docker', docker);
    const dockerImage = await pushImage(
      registry,
      'tagmode/index',
      'schema2',
      randomImage('schema2', { mediaTypes: 'docker' }),
    );
    const repository = `${registry.host}/tagmode/index`;
    expect(await check({ repository, tag: 'oci' })).toEqual([{ tag: 'oci', digest: ociDigest }]);
    expect(await check({ repository, tag: 'docker' })).toEqual([{ tag: 'docker', digest: dockerDigest }]);
    expect(await check({ repository, tag: 'schema2' })).toEqual([{ tag: 'schema2', digest: dockerImage }]);
  });
});

describe('digest fallback when the registry sends no Docker-Content-Digest', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy(registry.url, stripHeaders(['docker-content-digest']));
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('GETs the manifest and hashes its bytes, giving the same digests', async () => {
    const repo = 'fallback/app';
    const image = await push(repo, ['latest', '1.0.0'], 'fallback-image');
    const index = await pushIndex(registry, repo, '2.0.0', buildIndex([randomImage('fallback-idx')]));
    const direct = await getManifest(registry, repo, 'latest');
    expect(direct.digest).toBe(image);
    expect(await check({ repository: `${proxy.host}/${repo}`, tag: 'latest' })).toEqual([
      { tag: 'latest', digest: image },
    ]);
    expect(await check({ repository: `${proxy.host}/${repo}` })).toEqual([
      { tag: '1.0.0', digest: image },
      { tag: '2.0.0', digest: index },
    ]);
    expect(proxy.count('GET', /\/manifests\//)).toBeGreaterThanOrEqual(3);
  });
});

describe('semver mode', () => {
  const repo = 'semver/app';
  let repository: string;
  beforeAll(async () => {
    repository = `${registry.host}/${repo}`;
    await push(repo, ['1.0.0', '1.0', '1'], 'v1.0.0'); // aliases share one digest
    await push(repo, ['1.1.0'], 'v1.1.0');
    await push(repo, ['1.2.0-rc.1'], 'v1.2.0-rc.1');
    await push(repo, ['2.0.0', 'latest'], 'v2.0.0');
    await push(repo, ['2.0.0-alpine', '2-alpine', 'alpine'], 'v2.0.0-alpine');
    await push(repo, ['1.5.0-alpine'], 'v1.5.0-alpine');
    await push(repo, ['3.0.0-php7.3-apache'], 'multi-variant');
    await push(repo, ['not-semver', 'v'], 'junk');
    await push(repo, ['3.0.0-beta.1', '3.0.0-beta'], 'v3-beta'); // most specific prerelease wins
  });

  it('reports one version per digest, most specific tag, ascending, finals only', async () => {
    expect(await check({ repository })).toEqual([
      { tag: '1.0.0', digest: digests.get('v1.0.0') },
      { tag: '1.1.0', digest: digests.get('v1.1.0') },
      { tag: '2.0.0', digest: digests.get('v2.0.0') },
    ]);
  });

  it('includes alpha/beta/rc prereleases with pre_releases', async () => {
    expect(await check({ repository, pre_releases: true })).toEqual([
      { tag: '1.0.0', digest: digests.get('v1.0.0') },
      { tag: '1.1.0', digest: digests.get('v1.1.0') },
      { tag: '1.2.0-rc.1', digest: digests.get('v1.2.0-rc.1') },
      { tag: '2.0.0', digest: digests.get('v2.0.0') },
      { tag: '3.0.0-beta.1', digest: digests.get('v3-beta') },
    ]);
  });

  it('follows the variant suffix', async () => {
    expect(await check({ repository, variant: 'alpine' })).toEqual([
      { tag: '1.5.0-alpine', digest: digests.get('v1.5.0-alpine') },
      { tag: '2.0.0-alpine', digest: digests.get('v2.0.0-alpine') },
    ]);
    expect(await check({ repository, variant: 'php7.3-apache' })).toEqual([
      { tag: '3.0.0-php7.3-apache', digest: digests.get('multi-variant') },
    ]);
  });

  it('applies a Masterminds semver_constraint', async () => {
    expect(await check({ repository, semver_constraint: '~1.1.x' })).toEqual([
      { tag: '1.1.0', digest: digests.get('v1.1.0') },
    ]);
    expect(await check({ repository, semver_constraint: '>= 1.0 < 1.1.0 || >= 2.0.0' })).toEqual([
      { tag: '1.0.0', digest: digests.get('v1.0.0') },
      { tag: '2.0.0', digest: digests.get('v2.0.0') },
    ]);
  });

  it('skips versions older than the cursor', async () => {
    expect(await check({ repository }, { tag: '1.1.0', digest: digests.get('v1.1.0') })).toEqual([
      { tag: '1.1.0', digest: digests.get('v1.1.0') },
      { tag: '2.0.0', digest: digests.get('v2.0.0') },
    ]);
  });

  it('reports the bare latest tag when no semver tag shares its digest', async () => {
    const r = 'semver/latest-only';
    const latest = await push(r, ['latest'], 'latest-only');
    const v1 = await push(r, ['1.0.0'], 'latest-only-v1');
    expect(await check({ repository: `${registry.host}/${r}` })).toEqual([
      { tag: '1.0.0', digest: v1 },
      { tag: 'latest', digest: latest },
    ]);
  });

  it('returns [] for a repository that does not exist', async () => {
    expect(await check({ repository: `${registry.host}/semver/never-pushed` })).toEqual([]);
  });

  it('sees every tag of a repository with many tags', async () => {
    const r = 'semver/many';
    const image = randomImage('many');
    const tags = Array.from({ length: 150 }, (_, i) => `0.${i}.0`);
    for (const tag of tags) await pushImage(registry, r, tag, randomImage(`many-${tag}`));
    await pushImage(registry, r, '9.9.9', image);
    const versions = (await check({ repository: `${registry.host}/${r}` })) as { tag: string }[];
    expect(versions).toHaveLength(151);
    expect(versions.at(-1)?.tag).toBe('9.9.9');
    expect(versions[0]?.tag).toBe('0.0.0');
  });
});

describe('tag_regex mode', () => {
  it('returns matching tags in registry order, or oldest first with created_at_sort', async () => {
    const repo = 'regex/app';
    const c = await push(repo, ['build-c'], 'rx-c', '2021-01-01T00:00:00Z');
    const a = await push(repo, ['build-a'], 'rx-a', '2023-01-01T00:00:00Z');
    const b = await push(repo, ['build-b'], 'rx-b', '2022-01-01T00:00:00Z');
    await push(repo, ['other'], 'rx-other');
    const repository = `${registry.host}/${repo}`;
    // "Registry order" is whatever tags/list answers (the filesystem driver does not sort).
    const listed = JSON.parse((await httpRequest({ url: `${registry.url}/v2/${repo}/tags/list` })).body.toString()) as {
      tags: string[];
    };
    const byTag: Record<string, string> = { 'build-a': a, 'build-b': b, 'build-c': c };
    const inRegistryOrder = listed.tags
      .filter((t) => t.startsWith('build-'))
      .map((tag) => ({ tag, digest: byTag[tag] }));
    expect(inRegistryOrder).toHaveLength(3);
    expect(await check({ repository, tag_regex: '^build-' })).toEqual(inRegistryOrder);
    expect(await check({ repository, tag_regex: '^build-', created_at_sort: true })).toEqual([
      { tag: 'build-c', digest: c },
      { tag: 'build-b', digest: b },
      { tag: 'build-a', digest: a },
    ]);
  });
});

describe('tag_regex in Go (RE2) syntax', () => {
  it('reads inline flags, POSIX classes and \\z as Go does, in a request with every Go field at its zero value', async () => {
    const repo = 'regex/go-syntax';
    const lower = await push(repo, ['v1'], 'go-v1');
    const upper = await push(repo, ['V22'], 'go-V22');
    await push(repo, ['v3.1', 'V4-rc', 'xv5', 'latest'], 'go-other');
    // What json.Marshal of the Go resource's Source sends when only these fields are set.
    const goZeroSource = {
      repository: `${registry.host}/${repo}`,
      insecure: false,
      pre_releases: false,
      pre_release_prefixes: null,
      variant: '',
      semver_constraint: '',
      tag: '',
      tag_regex: '(?i)^V[[:digit:]]+\\z',
      created_at_sort: false,
      annotation_regex: '',
      label_regex: '',
      username: '',
      password: '',
      aws_access_key_id: '',
      aws_secret_access_key: '',
      aws_session_token: '',
      aws_region: '',
      aws_ecr_registry_id: '',
      aws_role_arn: '',
      aws_role_arns: null,
      aws_account_id: '',
      azure_acr: false,
      azure_client_id: '',
      azure_tenant_id: '',
      azure_environment: '',
      registry_mirror: null,
      content_trust: null,
      ca_certs: null,
      platform: null,
      debug: false,
    };
    const listed = JSON.parse((await httpRequest({ url: `${registry.url}/v2/${repo}/tags/list` })).body.toString()) as {
      tags: string[];
    };
    const byTag: Record<string, string> = { v1: lower, V22: upper };
    const result = await runBin('check', { source: goZeroSource, version: null });
    expect(result.stderr).toBe('');
    expect(result.json).toEqual(listed.tags.filter((t) => t in byTag).map((tag) => ({ tag, digest: byTag[tag] })));
    expect(result.json).toHaveLength(2);
  });
});

describe('registry_mirror', () => {
  let mirror: RunningRegistry;
  beforeAll(async () => {
    mirror = await startRegistry();
  });
  afterAll(async () => {
    await mirror?.stop();
  });

  it('checks a Docker Hub repository through the mirror (no outside traffic)', async () => {
    const digest = await pushImage(mirror, 'library/busybox', 'stable', randomImage('mirror-busybox'));
    const result = await runBin('check', {
      source: { repository: 'busybox', tag: 'stable', registry_mirror: { host: mirror.host } },
    });
    expect(result.stderr).toBe('');
    expect(result.json).toEqual([{ tag: 'stable', digest }]);
  });

  it('ignores the mirror for a repository with an explicit registry', async () => {
    const digest = await push('explicit/app', ['latest'], 'explicit');
    await pushImage(mirror, 'explicit/app', 'latest', randomImage('explicit-on-mirror'));
    expect(
      await check({
        repository: `${registry.host}/explicit/app`,
        tag: 'latest',
        registry_mirror: { host: mirror.host },
      }),
    ).toEqual([{ tag: 'latest', digest }]);
  });
});

describe('basic auth', () => {
  let secured: RunningRegistry;
  beforeAll(async () => {
    secured = await startRegistry({ auth: { htpasswd: { users: { alice: 's3cret-pass' } } } });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it('checks with username/password and fails in one line, without the password, when wrong', async () => {
    const digest = await pushImage(secured, 'private/app', 'latest', randomImage('private'));
    const source = { repository: `${secured.host}/private/app`, tag: 'latest', username: 'alice' };
    expect((await runBin('check', { source: { ...source, password: 's3cret-pass' } })).json).toEqual([
      { tag: 'latest', digest },
    ]);
    const denied = await runBin('check', { source: { ...source, password: 'wrong-password' } });
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toBe('');
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toMatch(/authentication failed for .*private\/app.*alice/);
    expect(denied.stderr).not.toContain('wrong-password');
  });
});

describe('bad input', () => {
  it.each([
    ['malformed JSON', '{"source": {', /malformed JSON/],
    ['an unknown field', { source: { repository: 'x/y', tga: 'latest' } }, /unknown field "source.tga"/],
    ['a missing repository', { source: { tag: 'latest' } }, /source.repository is required/],
    [
      'an invalid constraint',
      { source: { repository: '127.0.0.1:1/x', semver_constraint: '>>> nope' } },
      /semver_constraint/,
    ],
    [
      'an invalid regex',
      { source: { repository: '127.0.0.1:1/x', tag_regex: '(unclosed' } },
      /tag_regex "\(unclosed" is not a valid regular expression/,
    ],
    [
      'a lookahead, which RE2 does not have',
      { source: { repository: '127.0.0.1:1/x', tag_regex: '^v(?=1)' } },
      /source\.tag_regex "\^v\(\?=1\)" is not a valid regular expression \(Go RE2 syntax\): invalid or unsupported Perl syntax/,
    ],
  ])('%s: one line on stderr, nothing on stdout, non-zero exit', async (_name, request, message) => {
    const result = await runBin('check', request);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
