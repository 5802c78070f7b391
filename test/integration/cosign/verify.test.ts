/**
 * `bin/check` and `bin/in` with `source.verify` against the real docker-registry: signatures
 * made by our `out` and, independently, by openssl (support/openssl-cosign.ts) are accepted;
 * unsigned, wrongly signed and mismatched digests are not.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { layoutEntries, writeEntriesToDir } from '../../unit/adapters/image-input/layout-fixtures';
import { writeCosignKey, type WrittenCosignKey } from '../../unit/adapters/signers/cosign/cosign-key-writer';
import { opensslSign } from './support/openssl-cosign';

const PASSWORD = 'verify-test-password';

describe('check and get verify cosign signatures (docker-registry)', () => {
  const registry = withRegistry();
  let scratch: string;
  let ours: WrittenCosignKey;
  let theirs: WrittenCosignKey;
  const host = (): string => registry.get().host;
  const privatePem = (key: WrittenCosignKey): string =>
    key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cosign-verify-'));
    ours = writeCosignKey(PASSWORD, { n: 1024 });
    theirs = writeCosignKey('', { n: 1024 });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** `out` with our signer; returns the pushed digest. */
  async function pushSigned(repo: string, tag: string, seed: string): Promise<string> {
    const root = randomImage(seed, { mediaTypes: 'oci' });
    const dir = mkdtempSync(join(scratch, `${seed}-`));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(root));
    writeFileSync(join(dir, 'image', 'single-image-digest'), root.digest);
    const result = await runBin(
      'out',
      {
        source: { repository: `${host()}/${repo}`, tag, cosign: { key: ours.pem, password: PASSWORD } },
        params: { image: 'image' },
      },
      { args: [dir] },
    );
    expect(result.code, result.stderr).toBe(0);
    return root.digest;
  }

  async function pushPlain(repo: string, tag: string, seed: string): Promise<string> {
    const root = randomImage(seed, { mediaTypes: 'oci' });
    await pushImage(registry.get(), repo, tag, root);
    return root.digest;
  }

  const verify = (...keys: WrittenCosignKey[]) => ({ cosign_public_keys: keys.map((k) => k.publicPem) });

  function check(repo: string, source: Record<string, unknown>, version?: Record<string, unknown>) {
    return runBin('check', { source: { repository: `${host()}/${repo}`, ...source }, ...(version ? { version } : {}) });
  }

  function get(repo: string, digest: string, keys: WrittenCosignKey[], params: Record<string, unknown> = {}) {
    const dest = mkdtempSync(join(scratch, 'dest-'));
    const request = {
      source: { repository: `${host()}/${repo}`, verify: verify(...keys) },
      version: { digest },
      params,
    };
    return { dest, result: runBin('in', request, { args: [dest] }) };
  }

  it('check reports a tag signed by out, and logs and drops one nobody signed', async () => {
    const signed = await pushSigned('verify/check', 'signed', 'check-signed');
    const unsigned = await pushPlain('verify/check', 'unsigned', 'check-unsigned');

    const good = await check('verify/check', { tag: 'signed', verify: verify(ours) });
    expect(good.code, good.stderr).toBe(0);
    expect(good.json).toEqual([{ tag: 'signed', digest: signed }]);

    const bad = await check('verify/check', { tag: 'unsigned', verify: verify(ours) });
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.json).toEqual([]);
    expect(bad.stderr).toContain(
      `skipping ${host()}/verify/check@${unsigned} (unsigned): no cosign signature: sha256-${unsigned.slice(7)}.sig does not exist`,
    );
    // Without verify, the same check reports it.
    expect((await check('verify/check', { tag: 'unsigned' })).json).toEqual([{ tag: 'unsigned', digest: unsigned }]);
  });

  it('check in semver mode keeps the signed versions from the cursor on, whoever of the trusted keys signed', async () => {
    const v1 = await pushSigned('verify/semver', '1.0.0', 'semver-1');
    const v2 = await pushPlain('verify/semver', '2.0.0', 'semver-2');
    const v3 = await pushPlain('verify/semver', '3.0.0', 'semver-3');
    await opensslSign(registry.get(), 'verify/semver', v3, privatePem(theirs), scratch, {
      reference: `${host()}/verify/semver`,
    });
    const result = await check('verify/semver', { verify: verify(ours, theirs) }, { tag: '1.0.0', digest: v1 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual([
      { tag: '1.0.0', digest: v1 },
      { tag: '3.0.0', digest: v3 },
    ]);
    expect(result.stderr).toContain(`skipping ${host()}/verify/semver@${v2} (2.0.0)`);
  });

  it('get fetches a digest signed independently by openssl', async () => {
    const digest = await pushPlain('verify/get', 'v1', 'get-openssl');
    await opensslSign(registry.get(), 'verify/get', digest, privatePem(theirs), scratch, {
      reference: `${host()}/verify/get`,
    });
    const { dest, result } = get('verify/get', digest, [theirs]);
    const done = await result;
    expect(done.code, done.stderr).toBe(0);
    expect(readdirSync(join(dest, 'rootfs'))).toContain('seed');
  });

  it('get refuses an unsigned digest, one signed by another key, and a signature copied from another digest', async () => {
    const unsigned = await pushPlain('verify/refuse', 'a', 'refuse-unsigned');
    const first = get('verify/refuse', unsigned, [ours]);
    const refused = await first.result;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `refusing ${host()}/verify/refuse@${unsigned}: no valid signature by a key in source.verify (no cosign signature: sha256-${unsigned.slice(7)}.sig does not exist)`,
    );
    expect(readdirSync(first.dest)).toEqual([]);

    const otherKey = await pushSigned('verify/refuse', 'b', 'refuse-other');
    const wrong = await get('verify/refuse', otherKey, [theirs]).result;
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('signature 1/1: not made by any of the 1 trusted key(s)');

    const copied = await pushPlain('verify/refuse', 'c', 'refuse-copied');
    await opensslSign(registry.get(), 'verify/refuse', copied, privatePem(theirs), scratch, {
      reference: `${host()}/verify/refuse`,
      digest: otherKey,
    });
    const mismatch = await get('verify/refuse', copied, [theirs], { skip_download: true }).result;
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stderr).toContain(`signature 1/1: the payload names ${otherKey}`);
  });
});
