/**
 * Why the cross-check uses the cosign CLI and not skopeo: Debian's skopeo is built with
 * "Debian-local change: sigstore disabled". Checked here rather than asserted: a signature the
 * cosign CLI verifies is still refused by skopeo's `sigstoreSigned` policy, and skopeo cannot
 * sign with a cosign key. If Debian ever enables sigstore, this test fails, and skopeo can join
 * the cross-check.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRegistry } from '../support/registry-server';
import { CosignCli, type CosignKeyPair } from './support/cosign-cli';
import { ResourceSteps } from './support/resource-steps';

const exec = promisify(execFile);
const PASSWORD = 'skopeo-test-password';

/** skopeo's exit code and stderr (it fails with a non-zero code, which is what we look at). */
async function skopeo(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await exec('skopeo', args, { timeout: 60_000 });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string; message: string };
    if (typeof failed.code !== 'number') throw new Error(`skopeo could not run: ${failed.message}`);
    return { code: failed.code, stderr: failed.stderr ?? '' };
  }
}

describe("Debian's skopeo has sigstore compiled out", () => {
  const registry = withRegistry();
  let scratch: string;
  let cosign: CosignCli;
  let steps: ResourceSteps;
  let pair: CosignKeyPair;
  let registriesD: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cosign-cli-skopeo-'));
    cosign = new CosignCli(scratch);
    steps = new ResourceSteps(() => registry.get(), scratch);
    pair = await cosign.generateKeyPair(PASSWORD, 'skopeo');
    registriesD = join(scratch, 'registries.d');
    mkdirSync(registriesD);
    writeFileSync(join(registriesD, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses, under a sigstoreSigned policy, an image that cosign verify accepts', async () => {
    const digest = await steps.put('skopeo/signed', 'v1', 'skopeo-signed');
    const reference = `${steps.repository('skopeo/signed')}@${digest}`;
    const flags = ['--tlog-upload=false', '--allow-http-registry'];
    const signed = await cosign.run(['sign', '--key', pair.keyPath, ...flags, reference], { password: PASSWORD });
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await cosign.run([
      'verify',
      '--key',
      pair.pubPath,
      '--insecure-ignore-tlog=true',
      '--allow-http-registry',
      reference,
    ]);
    expect(verified.code, verified.stderr).toBe(0);

    const policy = join(scratch, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        default: [{ type: 'sigstoreSigned', keyPath: pair.pubPath, signedIdentity: { type: 'matchRepository' } }],
      }),
    );
    const copied = await skopeo([
      '--policy',
      policy,
      '--registries.d',
      registriesD,
      'copy',
      '--src-tls-verify=false',
      `docker://${reference}`,
      `oci:${join(scratch, 'copied')}:v1`,
    ]);
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain('Debian-local change: sigstore disabled');
  });

  it('cannot sign with a cosign private key', async () => {
    const layout = join(scratch, 'layout');
    // Any image will do: the one `out` pushed, copied into a layout without a policy check.
    await steps.put('skopeo/source', 'v1', 'skopeo-source');
    const insecure = join(scratch, 'insecure.json');
    writeFileSync(insecure, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const pulled = await skopeo([
      '--policy',
      insecure,
      'copy',
      '--src-tls-verify=false',
      `docker://${steps.repository('skopeo/source')}:v1`,
      `oci:${layout}:v1`,
    ]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const passphrase = join(scratch, 'passphrase');
    writeFileSync(passphrase, PASSWORD);
    const signedCopy = await skopeo([
      '--policy',
      insecure,
      '--registries.d',
      registriesD,
      'copy',
      '--dest-tls-verify=false',
      '--sign-by-sigstore-private-key',
      pair.keyPath,
      '--sign-passphrase-file',
      passphrase,
      `oci:${layout}:v1`,
      `docker://${steps.repository('skopeo/by-skopeo')}:v1`,
    ]);
    expect(signedCopy.code).not.toBe(0);
    expect(signedCopy.stderr).toContain('creating signature: Debian-local change: sigstore disabled');
  });
});
