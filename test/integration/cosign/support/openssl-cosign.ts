/**
 * cosign's signature storage, done by hand with the openssl CLI as the independent ECDSA
 * implementation. (Debian's skopeo 1.9.3 has `--sign-by-sigstore-private-key` and the
 * `sigstoreSigned` policy, but both fail with "Debian-local change: sigstore disabled".)
 * The layout follows cosign's documentation of the `sha256-<hex>.sig` tag, written here from
 * the spec rather than with the resource's code.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getManifest, pushBlob, type RegistryTarget } from '../../support/registry-push';
import { RegistrySession } from '../../support/registry-push';

const exec = promisify(execFile);

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const sigTag = (digest: string): string => `${digest.replace(':', '-')}.sig`;

export interface OpensslCheck {
  /** The payload as stored, parsed. */
  readonly payload: unknown;
  readonly mediaType: string;
  /** `openssl dgst -verify` said "Verified OK". */
  readonly verified: boolean;
}

/** Every signature layer stored for `digest`, each checked by openssl against `publicKeyPem`. */
export async function opensslCheck(
  registry: RegistryTarget,
  repo: string,
  digest: string,
  publicKeyPem: string,
  dir: string,
): Promise<OpensslCheck[]> {
  const manifest = await getManifest(registry, repo, sigTag(digest));
  if (manifest.status !== 200) return [];
  const scratch = mkdtempSync(join(dir, 'openssl-'));
  writeFileSync(join(scratch, 'key.pub'), publicKeyPem);
  const { layers } = JSON.parse(manifest.bytes.toString()) as {
    layers: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
  };
  const checks: OpensslCheck[] = [];
  for (const layer of layers) {
    const blob = Buffer.from(await (await fetch(`${registry.url}/v2/${repo}/blobs/${layer.digest}`)).arrayBuffer());
    writeFileSync(join(scratch, 'payload'), blob);
    const signature = layer.annotations?.['dev.cosignproject.cosign/signature'] ?? '';
    writeFileSync(join(scratch, 'sig.der'), Buffer.from(signature, 'base64'));
    const verified = await exec('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(scratch, 'key.pub'),
      '-signature',
      join(scratch, 'sig.der'),
      join(scratch, 'payload'),
    ]).then(
      (r) => r.stdout.trim() === 'Verified OK',
      () => false,
    );
    checks.push({ payload: JSON.parse(blob.toString()), mediaType: layer.mediaType, verified });
  }
  return checks;
}

/**
 * Signs `digest` as cosign would with an unencrypted PEM private key, by openssl: the payload
 * `claims` (a digest other than `digest` makes a mismatched signature), appended to nothing.
 */
export async function opensslSign(
  registry: RegistryTarget,
  repo: string,
  digest: string,
  privateKeyPem: string,
  dir: string,
  claims: { reference: string; digest?: string },
): Promise<void> {
  const scratch = mkdtempSync(join(dir, 'openssl-sign-'));
  const payload = Buffer.from(
    `{"critical":{"identity":{"docker-reference":"${claims.reference}"},"image":{"docker-manifest-digest":"${claims.digest ?? digest}"},"type":"cosign container image signature"},"optional":null}`,
  );
  writeFileSync(join(scratch, 'key.pem'), privateKeyPem);
  writeFileSync(join(scratch, 'payload'), payload);
  await exec('openssl', [
    'dgst',
    '-sha256',
    '-sign',
    join(scratch, 'key.pem'),
    '-out',
    join(scratch, 'sig.der'),
    join(scratch, 'payload'),
  ]);
  const signature = readFileSync(join(scratch, 'sig.der')).toString('base64');
  const config = Buffer.from(
    JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(payload)] } }),
  );
  const session = new RegistrySession(registry);
  await pushBlob(session, repo, payload);
  await pushBlob(session, repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256(config) },
    layers: [
      {
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        size: payload.length,
        digest: sha256(payload),
        annotations: { 'dev.cosignproject.cosign/signature': signature },
      },
    ],
  });
  const res = await session.request('PUT', `/v2/${repo}/manifests/${sigTag(digest)}`, {
    body: manifest,
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw new Error(`signature push for ${repo}@${digest}: ${res.status}`);
}
