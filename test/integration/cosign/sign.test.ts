/**
 * `bin/out` with `source.cosign` against the real docker-registry; openssl checks the stored
 * signatures independently (Debian's skopeo has sigstore compiled out, see support/openssl-cosign.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getManifest, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { layoutEntries, writeEntriesToDir } from '../../unit/adapters/image-input/layout-fixtures';
import { writeCosignKey } from '../../unit/adapters/signers/cosign/cosign-key-writer';
import { opensslCheck } from './support/openssl-cosign';

interface OutResponse {
  version: { tag: string; digest: string };
}

const PASSWORD = 'cosign-test-password';

describe('out signs with cosign (docker-registry, checked by openssl)', () => {
  const registry = withRegistry();
  let scratch: string;
  const host = (): string => registry.get().host;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cosign-out-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function layout(name: string) {
    const root = randomImage(name, { mediaTypes: 'oci' });
    const dir = mkdtempSync(join(scratch, `${name}-`));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(root));
    writeFileSync(join(dir, 'image', 'single-image-digest'), root.digest);
    return { dir, root };
  }

  function out(repo: string, dir: string, source: Record<string, unknown>): Promise<RunBinResult> {
    return runBin(
      'out',
      { source: { repository: `${host()}/${repo}`, tag: 'v1', ...source }, params: { image: 'image' } },
      { args: [dir] },
    );
  }

  it('signs the pushed digest: openssl verifies the stored signature with our public key, not with another', async () => {
    const key = writeCosignKey(PASSWORD);
    const { dir, root } = layout('signed');
    const result = await out('cosign/signed', dir, { cosign: { key: key.pem, password: PASSWORD }, debug: true });
    expect(result.code, result.stderr).toBe(0);
    expect((result.json as OutResponse).version.digest).toBe(root.digest);
    expect(result.stderr).toContain(`signed ${host()}/cosign/signed@${root.digest} (v1) with cosign`);
    expect(result.stderr).toContain(
      `cosign: ${host()}/cosign/signed has no OCI 1.1 referrers API; the .sig tag is all`,
    );
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    expect(result.stdout + result.stderr).not.toContain(key.pem.split('\n')[1]);

    const sig = await getManifest(registry.get(), 'cosign/signed', `sha256-${root.digest.slice(7)}.sig`);
    expect(sig.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const checks = await opensslCheck(registry.get(), 'cosign/signed', root.digest, key.publicPem, scratch);
    expect(checks).toEqual([
      {
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        verified: true,
        payload: {
          critical: {
            identity: { 'docker-reference': `${host()}/cosign/signed` },
            image: { 'docker-manifest-digest': root.digest },
            type: 'cosign container image signature',
          },
          optional: null,
        },
      },
    ]);
    const other = writeCosignKey('x', { n: 1024 });
    const byOther = await opensslCheck(registry.get(), 'cosign/signed', root.digest, other.publicPem, scratch);
    expect(byOther.map((c) => c.verified)).toEqual([false]);
  });

  it('stores nothing for an image pushed without source.cosign', async () => {
    const { dir, root } = layout('unsigned');
    expect((await out('cosign/unsigned', dir, {})).code).toBe(0);
    const sig = await getManifest(registry.get(), 'cosign/unsigned', `sha256-${root.digest.slice(7)}.sig`);
    expect(sig.status).toBe(404);
  });

  it('keeps signatures already there: a second key adds its own and openssl verifies each with its key', async () => {
    const first = writeCosignKey(PASSWORD, { n: 1024, label: 'ENCRYPTED COSIGN PRIVATE KEY' });
    const second = writeCosignKey(PASSWORD, { n: 1024 });
    const { dir, root } = layout('twice');
    expect((await out('cosign/twice', dir, { cosign: { key: first.pem, password: PASSWORD } })).code).toBe(0);
    const again = await out('cosign/twice', dir, { cosign: { key: second.pem, password: PASSWORD } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('holds 2 signature(s)');
    const byFirst = await opensslCheck(registry.get(), 'cosign/twice', root.digest, first.publicPem, scratch);
    const bySecond = await opensslCheck(registry.get(), 'cosign/twice', root.digest, second.publicPem, scratch);
    expect(byFirst.map((c) => c.verified)).toEqual([true, false]);
    expect(bySecond.map((c) => c.verified)).toEqual([false, true]);
  });

  it('fails before pushing anything when the password is wrong', async () => {
    const key = writeCosignKey(PASSWORD, { n: 1024 });
    const { dir } = layout('wrong-password');
    const result = await out('cosign/wrong', dir, { cosign: { key: key.pem, password: 'not-it' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('source.cosign.key does not decrypt with source.cosign.password');
    expect(result.stderr).toContain('nothing was pushed');
    expect((await getManifest(registry.get(), 'cosign/wrong', 'v1')).status).toBe(404);
  });
});
