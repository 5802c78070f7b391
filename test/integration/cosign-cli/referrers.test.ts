/**
 * The OCI 1.1 referrers path, offline: docker-registry 2.8.2 has no referrers API, so
 * support/referrers-front.ts adds one in front of it. Our `out` then attaches its cosign
 * signature as a referrer too, and `cosign verify --experimental-oci11` finds it there even
 * once the `.sig` tag is deleted (without the flag, cosign then finds nothing).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTag } from '../support/registry-push';
import { withRegistry } from '../support/registry-server';
import { writeCosignKey } from '../../unit/adapters/signers/cosign/cosign-key-writer';
import { CosignCli } from './support/cosign-cli';
import { startReferrersFront, type ReferrersFront } from './support/referrers-front';
import { ResourceSteps } from './support/resource-steps';

const PASSWORD = 'referrers-test-password';

describe('cosign verify --experimental-oci11 finds the referrer out attached (docker-registry + referrers front)', () => {
  const registry = withRegistry();
  let front: ReferrersFront;
  let scratch: string;
  let cosign: CosignCli;
  let steps: ResourceSteps;

  beforeAll(async () => {
    front = await startReferrersFront(registry.get().url);
    scratch = mkdtempSync(join(tmpdir(), 'cosign-cli-referrers-'));
    cosign = new CosignCli(scratch);
    steps = new ResourceSteps(() => ({ ...registry.get(), host: front.host, url: front.url }), scratch);
  });
  afterAll(async () => {
    await front.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('verifies through the referrers API alone once the .sig tag is gone', async () => {
    const key = writeCosignKey(PASSWORD);
    const pub = join(scratch, 'cosign.pub');
    writeFileSync(pub, key.publicPem);
    const { digest, result } = await steps.out('oci11/signed', 'v1', 'oci11-signed', {
      cosign: { key: key.pem, password: PASSWORD },
    });
    expect(result.code, result.stderr).toBe(0);
    const attached = new RegExp(
      `attached the cosign signature to \\S+@${digest} as referrer (sha256:[0-9a-f]{64})`,
    ).exec(result.stderr);
    expect(attached, result.stderr).not.toBeNull();

    await deleteTag({ url: front.url }, 'oci11/signed', `sha256-${digest.slice(7)}.sig`);
    const reference = `${steps.repository('oci11/signed')}@${digest}`;
    const verify = (...flags: string[]) =>
      cosign.run(['verify', '--key', pub, '--insecure-ignore-tlog=true', '--allow-http-registry', ...flags, reference]);

    const legacy = await verify();
    expect(legacy.code).not.toBe(0);
    expect(legacy.stderr).toContain('no signatures found');

    const before = front.referrerRequests.length;
    const oci11 = await verify('--experimental-oci11=true');
    expect(oci11.code, oci11.stderr).toBe(0);
    expect(JSON.parse(oci11.stdout)).toMatchObject([{ critical: { image: { 'docker-manifest-digest': digest } } }]);
    // go-containerregistry filters by artifactType on the client: no query string.
    expect(front.referrerRequests.slice(before)).toEqual([`/v2/oci11/signed/referrers/${digest}`]);

    const other = writeCosignKey(PASSWORD, { n: 1024 });
    writeFileSync(pub, other.publicPem);
    const byOther = await verify('--experimental-oci11=true');
    expect(byOther.code).not.toBe(0);
  });
});
