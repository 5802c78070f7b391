/**
 * `bin/out` with `content_trust` against the real docker-registry and the real notary-server
 * (plain HTTP here; TLS, token auth and mTLS in transport.test.ts). Collections are made by the
 * real notary CLI, and the same CLI reads back what we signed.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, getManifest, layerFromFiles, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { layoutEntries, writeEntriesToDir } from '../../unit/adapters/image-input/layout-fixtures';
import { addDelegation, initCollection, lookup, notaryCli, PASSPHRASES, type Collection } from './support/notary-cli';
import { freePort, startNotaryServer, type RunningNotary } from './support/notary-server';

interface OutResponse {
  version: { tag: string; digest: string };
}

describe('out signs with Notary (notary-server over HTTP)', () => {
  const registry = withRegistry();
  let notary: RunningNotary;
  let src: string;
  const host = (): string => registry.get().host;
  const gun = (repo: string): string => `${host()}/${repo}`;

  beforeAll(async () => {
    notary = await startNotaryServer();
    src = mkdtempSync(join(tmpdir(), 'notary-out-'));
  });
  afterAll(async () => {
    await notary?.stop();
    rmSync(src, { recursive: true, force: true });
  });

  function layout(
    name: string,
    root = randomImage(name, { mediaTypes: 'oci' }) as Parameters<typeof layoutEntries>[0],
  ) {
    const dir = mkdtempSync(join(src, `${name}-`));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(root));
    // The marker makes out push the image itself (without it, Go's rule pushes index.json).
    writeFileSync(join(dir, 'image', 'single-image-digest'), root.digest);
    return { dir, root };
  }

  function trust(collection: Pick<Collection, 'targetsKeyPem' | 'targetsKeyId'>, extra: Record<string, unknown> = {}) {
    return {
      server: notary.url,
      repository_key_id: collection.targetsKeyId,
      repository_key: collection.targetsKeyPem,
      repository_passphrase: PASSPHRASES.targets,
      ...extra,
    };
  }

  async function out(
    repo: string,
    dir: string,
    contentTrust: Record<string, unknown>,
    params: Record<string, unknown> = {},
    source: Record<string, unknown> = {},
    env: Record<string, string> = {},
  ): Promise<RunBinResult> {
    return runBin(
      'out',
      {
        source: { repository: gun(repo), tag: 'v1', content_trust: contentTrust, ...source },
        params: { image: 'image', ...params },
      },
      { args: [dir], env },
    );
  }

  /** Every file under `dir`, recursively. */
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  }

  function expectNoSecrets(result: RunBinResult, ...secrets: string[]): void {
    const output = result.stdout + result.stderr;
    for (const secret of [PASSPHRASES.targets, PASSPHRASES.delegation, ...secrets]) {
      expect(output).not.toContain(secret);
      for (const line of secret.split('\n').filter((l) => l.length > 20)) expect(output).not.toContain(line);
    }
  }

  it('signs the pushed tag with the targets key; notary lookup, list and verify agree', async () => {
    const repo = 'signed/targets';
    const collection = await initCollection(notary, gun(repo));
    const { dir, root } = layout('targets');
    const scratch = mkdtempSync(join(src, 'tmpdir-'));
    const before = filesUnder(dir);
    const result = await out(repo, dir, trust(collection), {}, { debug: true }, { TMPDIR: scratch });
    expect(result.stderr).not.toMatch(/^out: /m);
    // No key file anywhere: not in TMPDIR, not next to the input.
    expect(filesUnder(scratch)).toEqual([]);
    expect(filesUnder(dir)).toEqual(before);
    expect(result.code).toBe(0);
    expect((result.json as OutResponse).version.digest).toBe(root.digest);
    expect(result.stderr).toContain(`signed ${root.digest} as v1 in targets of ${gun(repo)}`);
    expectNoSecrets(result, collection.targetsKeyPem);

    const hex = root.digest.slice('sha256:'.length);
    expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    const fresh = mkdtempSync(join(src, 'reader-'));
    const list = (await notaryCli(notary, fresh, ['list', gun(repo)])).stdout;
    expect(list).toMatch(new RegExp(`^v1\\s+${hex}\\s+${root.manifestBytes.length}\\s+targets\\s*$`, 'm'));
    const manifest = await getManifest(registry.get(), repo, 'v1');
    const verified = await notaryCli(notary, fresh, ['verify', gun(repo), 'v1', '-q'], { input: manifest.bytes });
    expect(verified.stderr).toBe('');
  });

  it('adds to the existing targets (a second push keeps v1 and replaces latest)', async () => {
    const repo = 'signed/twice';
    const collection = await initCollection(notary, gun(repo));
    const first = layout('first');
    expect((await out(repo, first.dir, trust(collection), {}, { tag: 'v1' })).code).toBe(0);
    const second = layout('second');
    const result = await out(repo, second.dir, trust(collection), {}, { tag: 'latest' });
    expect(result.code, result.stderr).toBe(0);
    const third = layout('third');
    expect((await out(repo, third.dir, trust(collection), {}, { tag: 'latest' })).code).toBe(0);
    expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${first.root.digest} ${first.root.manifestBytes.length}`);
    expect(await lookup(notary, gun(repo), 'latest')).toBe(
      `latest ${third.root.digest} ${third.root.manifestBytes.length}`,
    );
  });

  it('signs into targets/releases with a delegation key (docker trust signer add)', async () => {
    const repo = 'signed/delegation';
    const collection = await initCollection(notary, gun(repo));
    const delegation = await addDelegation(notary, collection, gun(repo));
    const { dir, root } = layout('delegation');
    const result = await out(repo, dir, {
      server: notary.url,
      repository_key_id: delegation.keyId,
      repository_key: delegation.keyPem,
      repository_passphrase: PASSPHRASES.delegation,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`in targets/releases of ${gun(repo)}`);
    expectNoSecrets(result, delegation.keyPem);
    const fresh = mkdtempSync(join(src, 'reader-'));
    const list = (await notaryCli(notary, fresh, ['list', gun(repo)])).stdout;
    expect(list).toMatch(
      new RegExp(`^v1\\s+${root.digest.slice(7)}\\s+${root.manifestBytes.length}\\s+targets/releases\\s*$`, 'm'),
    );
    expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
  });

  it('signs every tag bump_aliases pushes, in one update', async () => {
    const repo = 'signed/aliases';
    const collection = await initCollection(notary, gun(repo));
    const { dir, root } = layout('aliases');
    const result = await out(
      repo,
      dir,
      trust(collection),
      { version: '1.2.3', bump_aliases: true },
      { tag: undefined },
    );
    expect(result.code, result.stderr).toBe(0);
    for (const tag of ['1.2.3', '1.2', '1', 'latest'])
      expect(await lookup(notary, gun(repo), tag)).toBe(`${tag} ${root.digest} ${root.manifestBytes.length}`);
    const targets = JSON.parse(
      (await (await fetch(`${notary.url}/v2/${gun(repo)}/_trust/tuf/targets.json`)).text()) as string,
    ) as { signed: { version: number } };
    // init -p published version 1, the snapshot rotation version 2; our one update is version 3.
    expect(targets.signed.version).toBe(3);
  });

  it('signs the index digest of a multi-arch layout under each tag', async () => {
    const repo = 'signed/multiarch';
    const collection = await initCollection(notary, gun(repo));
    const index = buildIndex(
      [
        buildImage({ layers: [layerFromFiles([{ path: 'amd', content: 'amd64' }])], mediaTypes: 'oci' }),
        buildImage({
          layers: [layerFromFiles([{ path: 'arm', content: 'arm64' }])],
          mediaTypes: 'oci',
          platform: { os: 'linux', architecture: 'arm64' },
        }),
      ],
      { mediaType: 'oci' },
    );
    const dir = mkdtempSync(join(src, 'multi-'));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(index));
    writeFileSync(join(dir, 'tags'), 'stable\n');
    const result = await out(repo, dir, trust(collection), { additional_tags: 'tags' });
    expect(result.code, result.stderr).toBe(0);
    expect((result.json as OutResponse).version.digest).toBe(index.digest);
    for (const tag of ['v1', 'stable'])
      expect(await lookup(notary, gun(repo), tag)).toBe(`${tag} ${index.digest} ${index.manifestBytes.length}`);
  });

  describe('failures say what was pushed and what is unsigned', () => {
    it('a wrong passphrase fails before anything is pushed', async () => {
      const repo = 'fail/passphrase';
      const collection = await initCollection(notary, gun(repo));
      const { dir } = layout('passphrase');
      const wrong = 'definitely-wrong-passphrase';
      const result = await out(repo, dir, trust(collection, { repository_passphrase: wrong }), {}, { debug: true });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toBe(
        'out: source.content_trust.repository_key cannot be decrypted: wrong repository_passphrase; nothing was pushed',
      );
      expect((await getManifest(registry.get(), repo, 'v1')).status).toBe(404);
      expectNoSecrets(result, wrong, collection.targetsKeyPem);
    });

    it('a key that is not authorised for the collection: pushed, unsigned, exit 1', async () => {
      const repo = 'fail/unauthorised';
      await initCollection(notary, gun(repo));
      const other = await initCollection(notary, gun('fail/other'));
      const { dir, root } = layout('unauthorised');
      const result = await out(repo, dir, trust(other), {}, { debug: true });
      expect(result.code).toBe(1);
      const last = result.stderr.trim().split('\n').at(-1);
      expect(last).toBe(
        `out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag(s) v1 are unsigned: repository_key ${other.targetsKeyId} (the targets key of ${gun('fail/other')}) may not sign v1 in ${gun(repo)}: it is not the targets key (root lists ${last?.match(/root lists ([0-9a-f]{64})/)?.[1] ?? '?'}) and the collection has no delegations`,
      );
      expect(last).not.toContain(`root lists ${other.targetsKeyId}`);
      expect((await getManifest(registry.get(), repo, 'v1')).digest).toBe(root.digest);
      expectNoSecrets(result, other.targetsKeyPem);
    });

    it('an uninitialised collection: pushed, unsigned, and how to initialise it', async () => {
      const repo = 'fail/uninitialised';
      const elsewhere = await initCollection(notary, gun('fail/elsewhere'));
      const { dir, root } = layout('uninitialised');
      const result = await out(repo, dir, trust(elsewhere));
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        `out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag(s) v1 are unsigned: the Notary collection ${gun(repo)} is not initialised (no root.json) on ${notary.url}; initialise it once with \`notary -s ${notary.url} init ${gun(repo)} -p\` and \`notary -s ${notary.url} key rotate ${gun(repo)} snapshot -r\` (the server keeps the snapshot key), then use its targets key or a delegation key as content_trust.repository_key`,
      );
    });

    it('a Notary server that is down: pushed, unsigned, exit 1', async () => {
      const repo = 'fail/down';
      const collection = await initCollection(notary, gun(repo));
      const down = `http://127.0.0.1:${await freePort()}`;
      const { dir, root } = layout('down');
      const result = await out(repo, dir, trust(collection, { server: down }), {}, { debug: true });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: cannot reach Notary server ${down}: .*ECONNREFUSED`,
        ),
      );
      expect((await getManifest(registry.get(), repo, 'v1')).digest).toBe(root.digest);
      expectNoSecrets(result, collection.targetsKeyPem);
    });

    it('best_effort: the same failure is a warning and the step succeeds', async () => {
      const repo = 'fail/best-effort';
      const collection = await initCollection(notary, gun(repo));
      const down = `http://127.0.0.1:${await freePort()}`;
      const { dir, root } = layout('best');
      const result = await out(repo, dir, trust(collection, { server: down, best_effort: true }));
      expect(result.code, result.stderr).toBe(0);
      expect((result.json as OutResponse).version.digest).toBe(root.digest);
      expect(result.stderr).toMatch(
        new RegExp(
          `^WARNING: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: cannot reach Notary server .*\\(content_trust.best_effort: the step succeeds anyway\\)$`,
          'm',
        ),
      );
      expect(result.stderr).not.toMatch(/^out: /m);
    });

    it('a collection whose snapshot key stayed local: pushed, unsigned, and how to hand it to the server', async () => {
      const repo = 'fail/local-snapshot';
      const collection = await initCollection(notary, gun(repo), { localSnapshotKey: true });
      const { dir, root } = layout('snapshot');
      const result = await out(repo, dir, trust(collection));
      expect(result.code).toBe(1);
      const last = result.stderr.trim().split('\n').at(-1) ?? '';
      expect(last).toMatch(
        new RegExp(
          `^out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: Notary server answered POST .* with HTTP 400: .*snapshot`,
        ),
      );
      expect(last).toMatch(
        new RegExp(
          `; the server must hold the snapshot key: run \`notary -s ${notary.url} key rotate ${gun(repo)} snapshot -r\`$`,
        ),
      );
    });

    it('a repository outside Docker Hub needs content_trust.server (nothing pushed)', async () => {
      const repo = 'fail/no-server';
      const collection = await initCollection(notary, gun(repo));
      const { dir } = layout('noserver');
      const { server: _server, ...withoutServer } = trust(collection);
      const result = await out(repo, dir, withoutServer);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `out: source.content_trust.server is required for ${gun(repo)}: only Docker Hub repositories default to https://notary.docker.io; nothing was pushed`,
      );
      expect((await getManifest(registry.get(), repo, 'v1')).status).toBe(404);
    });
  });
});
