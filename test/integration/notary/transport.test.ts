/**
 * How `out` reaches the Notary server: TLS verified against source.ca_certs (or skipped with
 * insecure), token auth like a registry, and a client certificate for a front that demands one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../support/image-fixtures';
import { getTestPki, type TestPki } from '../support/pki';
import { withRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { startTokenServer, type TokenServer } from '../support/token-server';
import { layoutEntries, writeEntriesToDir } from '../../unit/adapters/image-input/layout-fixtures';
import { initCollection, lookup, PASSPHRASES, type CliAuth, type Collection } from './support/notary-cli';
import { startMtlsProxy, type MtlsProxy } from './support/mtls-proxy';
import { startNotaryServer, type RunningNotary } from './support/notary-server';

describe('out reaches the Notary server over TLS, with token auth and with a client certificate', () => {
  const registry = withRegistry();
  let src: string;
  let pki: TestPki;
  const gun = (repo: string): string => `${registry.get().host}/${repo}`;

  beforeAll(async () => {
    src = mkdtempSync(join(tmpdir(), 'notary-transport-'));
    pki = await getTestPki();
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));

  function layoutDir(name: string) {
    const root = randomImage(name, { mediaTypes: 'oci' });
    const dir = mkdtempSync(join(src, `${name}-`));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(root));
    // The marker makes out push the image itself (without it, Go's rule pushes index.json).
    writeFileSync(join(dir, 'image', 'single-image-digest'), root.digest);
    return { dir, root };
  }

  async function out(repo: string, dir: string, source: Record<string, unknown>): Promise<RunBinResult> {
    return runBin(
      'out',
      { source: { repository: gun(repo), tag: 'v1', ...source }, params: { image: 'image' } },
      { args: [dir] },
    );
  }

  function keyOf(collection: Collection, server: string, extra: Record<string, unknown> = {}) {
    return {
      server,
      repository_key_id: collection.targetsKeyId,
      repository_key: collection.targetsKeyPem,
      repository_passphrase: PASSPHRASES.targets,
      ...extra,
    };
  }

  describe('TLS', () => {
    let notary: RunningNotary;
    beforeAll(async () => {
      notary = await startNotaryServer({ tls: true });
    });
    afterAll(() => notary?.stop());

    it('verifies the server against source.ca_certs and signs', async () => {
      const repo = 'tls/verified';
      const collection = await initCollection(notary, gun(repo));
      const { dir, root } = layoutDir('tls');
      const result = await out(repo, dir, { content_trust: keyOf(collection, notary.url), ca_certs: [pki.caPem] });
      expect(result.code, result.stderr).toBe(0);
      expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    });

    it('refuses an untrusted certificate and says how to trust it (pushed, unsigned)', async () => {
      const repo = 'tls/untrusted';
      const collection = await initCollection(notary, gun(repo));
      const { dir, root } = layoutDir('untrusted');
      const result = await out(repo, dir, { content_trust: keyOf(collection, notary.url) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: TLS certificate of Notary server ${notary.url} is not trusted: .*; add its CA certificate to source.ca_certs, or set source.insecure: true to skip verification$`,
        ),
      );
    });

    it('skips verification only with source.insecure: true', async () => {
      const repo = 'tls/insecure';
      const collection = await initCollection(notary, gun(repo));
      const { dir, root } = layoutDir('insecure');
      const result = await out(repo, dir, { content_trust: keyOf(collection, notary.url), insecure: true });
      expect(result.code, result.stderr).toBe(0);
      expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    });
  });

  describe('token auth', () => {
    const auth: CliAuth = { username: 'notary', password: 'notary-token-pass-345' };
    let tokens: TokenServer;
    let notary: RunningNotary;
    beforeAll(async () => {
      tokens = await startTokenServer({ users: { [auth.username]: auth.password }, service: 'notary-server' });
      notary = await startNotaryServer({ token: tokens });
    });
    afterAll(async () => {
      await notary?.stop();
      await tokens?.stop();
    });

    it('gets a push,pull token for the collection with content_trust.username/password', async () => {
      const repo = 'token/own';
      const collection = await initCollection(notary, gun(repo), { auth });
      const { dir, root } = layoutDir('token');
      const before = tokens.requests.length;
      const result = await out(repo, dir, {
        content_trust: keyOf(collection, notary.url, { username: auth.username, password: auth.password }),
        debug: true,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(auth.password);
      expect(tokens.requests.slice(before)).toContainEqual(
        expect.objectContaining({
          user: auth.username,
          scopes: [`repository:${gun(repo)}:push,pull`],
          service: 'notary-server',
          outcome: 'issued',
        }),
      );
      expect(await lookup(notary, gun(repo), 'v1', auth)).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    });

    it('falls back to source.username/password, as the Go resource does', async () => {
      const repo = 'token/fallback';
      const collection = await initCollection(notary, gun(repo), { auth });
      const { dir, root } = layoutDir('fallback');
      const result = await out(repo, dir, {
        content_trust: keyOf(collection, notary.url),
        username: auth.username,
        password: auth.password,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(await lookup(notary, gun(repo), 'v1', auth)).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    });

    it('a wrong password: pushed, unsigned, the token server said no', async () => {
      const repo = 'token/wrong';
      const collection = await initCollection(notary, gun(repo), { auth });
      const { dir, root } = layoutDir('wrong');
      const wrong = 'not-the-notary-password';
      const result = await out(repo, dir, {
        content_trust: keyOf(collection, notary.url, { username: auth.username, password: wrong }),
        debug: true,
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        `out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag(s) v1 are unsigned: authentication failed for ${gun(repo)} (user notary): token server ${new URL(tokens.url).origin} answered HTTP 401: UNAUTHORIZED: bad credentials`,
      );
      expect(result.stdout + result.stderr).not.toContain(wrong);
    });

    it('anonymous gets pull only, so the publish is refused: pushed, unsigned', async () => {
      const repo = 'token/anonymous';
      const collection = await initCollection(notary, gun(repo), { auth });
      const { dir, root } = layoutDir('anonymous');
      const result = await out(repo, dir, { content_trust: keyOf(collection, notary.url) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: Notary server ${notary.url} refused anonymous for POST /v2/${gun(repo)}/_trust/tuf/ \\(HTTP 401`,
        ),
      );
    });
  });

  describe('client certificate (mTLS front)', () => {
    let notary: RunningNotary;
    let proxy: MtlsProxy;
    beforeAll(async () => {
      notary = await startNotaryServer();
      proxy = await startMtlsProxy(notary.url);
    });
    afterAll(async () => {
      await proxy?.stop();
      await notary?.stop();
    });

    it('presents content_trust.tls_cert/tls_key and signs', async () => {
      const repo = 'mtls/signed';
      const collection = await initCollection(notary, gun(repo));
      const { dir, root } = layoutDir('mtls');
      const result = await out(repo, dir, {
        content_trust: keyOf(collection, proxy.url, { tls_cert: pki.clientCertPem, tls_key: pki.clientKeyPem }),
        ca_certs: [pki.caPem],
        debug: true,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.clientSubjects).toContain('test-client');
      const keyBody = pki.clientKeyPem.split('\n').filter((l) => l.length > 20);
      for (const line of keyBody) expect(result.stdout + result.stderr).not.toContain(line);
      expect(await lookup(notary, gun(repo), 'v1')).toBe(`v1 ${root.digest} ${root.manifestBytes.length}`);
    });

    it('without a client certificate the handshake fails and the line says why (pushed, unsigned)', async () => {
      const repo = 'mtls/missing';
      const collection = await initCollection(notary, gun(repo));
      const { dir, root } = layoutDir('nocert');
      const result = await out(repo, dir, { content_trust: keyOf(collection, proxy.url), ca_certs: [pki.caPem] });
      expect(result.code).toBe(1);
      const last = result.stderr.trim().split('\n').at(-1) ?? '';
      expect(last).toMatch(
        new RegExp(
          `^out: ${gun(repo)}@${root.digest} was pushed, but Notary signing failed, so tag\\(s\\) v1 are unsigned: `,
        ),
      );
      expect(last).toMatch(/client certificate \(content_trust\.tls_cert and tls_key\)/);
    });
  });
});
