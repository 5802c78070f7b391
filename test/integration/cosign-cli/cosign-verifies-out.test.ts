/**
 * What our `out` signs, the real cosign CLI verifies (issue 18): `bin/out` with `source.cosign`
 * pushes to the real docker-registry over TLS (the test CA, given to cosign as SSL_CERT_FILE),
 * then `cosign verify --key` judges the digest. Keys are made in the test, by our test key writer
 * and by `cosign generate-key-pair`; nothing leaves loopback (see support/cosign-cli.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRegistry } from '../support/registry-server';
import { writeCosignKey, type WrittenCosignKey } from '../../unit/adapters/signers/cosign/cosign-key-writer';
import { CosignCli, type CosignRun } from './support/cosign-cli';
import { ResourceSteps } from './support/resource-steps';

const PASSWORD = 'cosign-cli-test-password';

describe('cosign verify accepts what out signs (docker-registry over TLS)', () => {
  const registry = withRegistry({ tls: true });
  let scratch: string;
  let cosign: CosignCli;
  let steps: ResourceSteps;
  let caFile: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cosign-cli-out-'));
    cosign = new CosignCli(scratch);
    caFile = join(scratch, 'ca.pem');
    writeFileSync(caFile, registry.get().caPem ?? '');
    steps = new ResourceSteps(() => registry.get(), scratch, { ca_certs: [registry.get().caPem] });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  let pubFiles = 0;
  function verify(repo: string, digest: string, publicPem: string): Promise<CosignRun> {
    const pub = join(scratch, `pub-${++pubFiles}.pem`);
    writeFileSync(pub, publicPem);
    return cosign.run(['verify', '--key', pub, '--insecure-ignore-tlog=true', `${steps.repository(repo)}@${digest}`], {
      env: { SSL_CERT_FILE: caFile },
    });
  }

  const ourKey = (): WrittenCosignKey => writeCosignKey(PASSWORD);

  it('verifies the digest out signed and prints our simple-signing payload for it', async () => {
    const key = ourKey();
    const digest = await steps.put('cli/signed', 'v1', 'cli-signed', { cosign: { key: key.pem, password: PASSWORD } });
    const result = await verify('cli/signed', digest, key.publicPem);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('The signatures were verified against the specified public key');
    expect(JSON.parse(result.stdout)).toEqual([
      {
        critical: {
          identity: { 'docker-reference': steps.repository('cli/signed') },
          image: { 'docker-manifest-digest': digest },
          type: 'cosign container image signature',
        },
        optional: null,
      },
    ]);
  });

  it('refuses a digest out pushed without source.cosign', async () => {
    const key = ourKey();
    const digest = await steps.put('cli/unsigned', 'v1', 'cli-unsigned');
    const result = await verify('cli/unsigned', digest, key.publicPem);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no signatures found');
  });

  it('refuses a digest signed by another key, and accepts both keys once out signed it with each', async () => {
    const first = ourKey();
    const second = ourKey();
    const source = (key: WrittenCosignKey) => ({ cosign: { key: key.pem, password: PASSWORD } });
    const digest = await steps.put('cli/other', 'v1', 'cli-other', source(second));

    const refused = await verify('cli/other', digest, first.publicPem);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('no matching signatures');

    // A second `out` of the same image appends its signature to the .sig manifest cosign reads.
    expect(await steps.put('cli/other', 'v1', 'cli-other', source(first))).toBe(digest);
    for (const key of [first, second]) {
      const accepted = await verify('cli/other', digest, key.publicPem);
      expect(accepted.code, accepted.stderr).toBe(0);
    }
  });

  it('signs with a key pair from `cosign generate-key-pair`, and check verifies it with cosign.pub', async () => {
    const pair = await cosign.generateKeyPair(PASSWORD, 'out');
    expect(pair.key).toContain('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    const digest = await steps.put('cli/generated', 'v1', 'cli-generated', {
      cosign: { key: pair.key, password: PASSWORD },
    });
    const result = await cosign.run(
      [
        'verify',
        '--key',
        pair.pubPath,
        '--insecure-ignore-tlog=true',
        `${steps.repository('cli/generated')}@${digest}`,
      ],
      { env: { SSL_CERT_FILE: caFile } },
    );
    expect(result.code, result.stderr).toBe(0);

    const checked = await steps.check('cli/generated', { tag: 'v1', verify: { cosign_public_keys: [pair.pub] } });
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.json).toEqual([{ tag: 'v1', digest }]);
  });

  it('refuses a cosign-generated key with the wrong password before pushing anything', async () => {
    const pair = await cosign.generateKeyPair(PASSWORD, 'wrong');
    const { result } = await steps.out('cli/wrong', 'v1', 'cli-wrong', {
      cosign: { key: pair.key, password: 'not-it' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('source.cosign.key does not decrypt with source.cosign.password');
    expect(result.stderr).toContain('nothing was pushed');
    expect(result.stdout + result.stderr).not.toContain(pair.key.split('\n')[1]);
  });
});
