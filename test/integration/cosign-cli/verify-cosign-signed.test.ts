/**
 * What the real cosign CLI signs, our `check` and `get` verify (issue 18): images pushed by our
 * `out`, signed by `cosign sign --key` with pairs from `cosign generate-key-pair`, against the
 * real docker-registry over plain HTTP (`--allow-http-registry`). Nothing leaves loopback.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getManifest, RegistrySession } from '../support/registry-push';
import { withRegistry } from '../support/registry-server';
import { CosignCli, type CosignKeyPair } from './support/cosign-cli';
import { ResourceSteps } from './support/resource-steps';

const PASSWORD = 'cosign-sign-test-password';

describe('check and get accept what cosign sign signs (docker-registry over HTTP)', () => {
  const registry = withRegistry();
  let scratch: string;
  let cosign: CosignCli;
  let steps: ResourceSteps;
  let trusted: CosignKeyPair;
  let other: CosignKeyPair;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cosign-cli-sign-'));
    cosign = new CosignCli(scratch);
    steps = new ResourceSteps(() => registry.get(), scratch);
    [trusted, other] = await Promise.all([
      cosign.generateKeyPair(PASSWORD, 'trusted'),
      cosign.generateKeyPair(PASSWORD, 'other'),
    ]);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function cosignSign(repo: string, digest: string, pair: CosignKeyPair, ...extra: string[]): Promise<void> {
    const result = await cosign.run(
      [
        'sign',
        '--key',
        pair.keyPath,
        '--tlog-upload=false',
        '--allow-http-registry',
        ...extra,
        `${steps.repository(repo)}@${digest}`,
      ],
      { password: PASSWORD },
    );
    expect(result.code, result.stderr).toBe(0);
  }

  const verify = (...pairs: CosignKeyPair[]) => ({ verify: { cosign_public_keys: pairs.map((p) => p.pub) } });

  it('check reports a tag cosign signed, and logs and drops one it did not sign', async () => {
    const signed = await steps.put('sign/check', 'signed', 'sign-check-signed');
    const unsigned = await steps.put('sign/check', 'unsigned', 'sign-check-unsigned');
    await cosignSign('sign/check', signed, trusted);

    const good = await steps.check('sign/check', { tag: 'signed', ...verify(trusted) });
    expect(good.code, good.stderr).toBe(0);
    expect(good.json).toEqual([{ tag: 'signed', digest: signed }]);

    const bad = await steps.check('sign/check', { tag: 'unsigned', ...verify(trusted) });
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.json).toEqual([]);
    expect(bad.stderr).toContain(
      `skipping ${steps.repository('sign/check')}@${unsigned} (unsigned): no cosign signature: sha256-${unsigned.slice(7)}.sig does not exist`,
    );
  });

  it('check drops a tag cosign signed with a key that is not trusted', async () => {
    const digest = await steps.put('sign/untrusted', 'v1', 'sign-untrusted');
    await cosignSign('sign/untrusted', digest, other);
    const result = await steps.check('sign/untrusted', { tag: 'v1', ...verify(trusted) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual([]);
    expect(result.stderr).toContain('signature 1/1: not made by any of the 1 trusted key(s)');
  });

  it('get fetches a digest cosign signed, also with annotations and another signature beside it', async () => {
    const digest = await steps.put('sign/get', 'v1', 'sign-get');
    // The untrusted signature comes first; the trusted one carries `optional` claims.
    await cosignSign('sign/get', digest, other);
    await cosignSign('sign/get', digest, trusted, '-a', 'pipeline=registry-image', '-a', 'build=42');
    const sig = await getManifest(registry.get(), 'sign/get', `sha256-${digest.slice(7)}.sig`);
    const layers = (JSON.parse(sig.bytes.toString()) as { layers: { digest: string }[] }).layers;
    expect(layers).toHaveLength(2);
    const payload = await (await fetch(`${registry.get().url}/v2/sign/get/blobs/${layers[1]?.digest ?? ''}`)).json();
    expect(payload).toMatchObject({ optional: { pipeline: 'registry-image', build: '42' } });
    const { dest, result } = steps.get('sign/get', digest, verify(trusted));
    const done = await result;
    expect(done.code, done.stderr).toBe(0);
    expect(readdirSync(join(dest, 'rootfs'))).toContain('seed');
    expect(done.json).toMatchObject({ version: { digest } });
  });

  it('get refuses a digest cosign did not sign and one it signed with an untrusted key', async () => {
    const unsigned = await steps.put('sign/refuse', 'a', 'sign-refuse-unsigned');
    const first = steps.get('sign/refuse', unsigned, verify(trusted));
    const refused = await first.result;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `refusing ${steps.repository('sign/refuse')}@${unsigned}: no valid signature by a key in source.verify (no cosign signature: sha256-${unsigned.slice(7)}.sig does not exist)`,
    );
    expect(readdirSync(first.dest)).toEqual([]);

    const byOther = await steps.put('sign/refuse', 'b', 'sign-refuse-other');
    await cosignSign('sign/refuse', byOther, other);
    const second = steps.get('sign/refuse', byOther, verify(trusted));
    const wrong = await second.result;
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`refusing ${steps.repository('sign/refuse')}@${byOther}`);
    expect(wrong.stderr).toContain('signature 1/1: not made by any of the 1 trusted key(s)');
    expect(readdirSync(second.dest)).toEqual([]);
  });

  it('get refuses, as cosign verify does, a signature cosign made for another digest copied onto this one', async () => {
    const signed = await steps.put('sign/copied', 'a', 'sign-copied-signed');
    const target = await steps.put('sign/copied', 'b', 'sign-copied-target');
    await cosignSign('sign/copied', signed, trusted);
    // The .sig manifest of `signed`, stored unchanged as the .sig tag of `target`.
    const session = new RegistrySession(registry.get());
    const sig = await getManifest(session, 'sign/copied', `sha256-${signed.slice(7)}.sig`);
    expect(sig.status).toBe(200);
    const put = await session.request('PUT', `/v2/sign/copied/manifests/sha256-${target.slice(7)}.sig`, {
      body: sig.bytes,
      headers: { 'Content-Type': sig.mediaType ?? '' },
    });
    expect(put.status).toBe(201);

    const theirs = await cosign.run([
      'verify',
      '--key',
      trusted.pubPath,
      '--insecure-ignore-tlog=true',
      '--allow-http-registry',
      `${steps.repository('sign/copied')}@${target}`,
    ]);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toContain('no matching signatures');

    const ours = await steps.get('sign/copied', target, verify(trusted), { skip_download: true }).result;
    expect(ours.code).not.toBe(0);
    expect(ours.stderr).toContain(`signature 1/1: the payload names ${signed}`);
  });
});
