import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotaryHttpClient } from '../../../../../src/adapters/signers/notary/notary-http';
import { loadNotaryKey } from '../../../../../src/adapters/signers/notary/notary-key';
import { notarySettings } from '../../../../../src/adapters/signers/notary/notary-settings';
import { NotarySigner } from '../../../../../src/adapters/signers/notary/notary-signer';
import { parseRoot, parseSignedDocument } from '../../../../../src/adapters/signers/notary/tuf-metadata';
import { verifyRoleSignatures } from '../../../../../src/adapters/signers/notary/tuf-signatures';
import { AuthenticationError, RegistryError } from '../../../../../src/ports/registry-errors';
import { SigningError, type PushedImage } from '../../../../../src/ports/signer-port';
import { memoryLogger } from '../../../../support/memory-logger';
import { TARGETS_KEY_ID, fixture } from './fixtures';

const GUN = '127.0.0.1:5000/foo/bar';
const image: PushedImage = {
  repository: { registry: '127.0.0.1:5000', path: 'foo/bar' },
  repositoryName: GUN,
  tags: ['v1', 'latest'],
  digest: `sha256:${'c'.repeat(64)}`,
  size: 321,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};

type Answer = { status: number; body?: string };

/** A scripted Notary server: metadata from the fixtures, POST answers in order, uploads recorded. */
async function scriptedServer(postAnswers: Answer[]) {
  const uploads: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      if (req.method === 'GET' && path === `/v2/${GUN}/_trust/tuf/root.json`) {
        res.writeHead(200).end(fixture('foo-bar-root.json'));
      } else if (req.method === 'GET' && path === `/v2/${GUN}/_trust/tuf/targets.json`) {
        res.writeHead(200).end(fixture('foo-bar-targets.json'));
      } else if (req.method === 'POST' && path === `/v2/${GUN}/_trust/tuf/`) {
        uploads.push(Buffer.concat(chunks).toString('utf8'));
        const answer = postAnswers.shift() ?? { status: 500 };
        res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body ?? '');
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, uploads, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function signer(url: string, bestEffort = false) {
  const logger = memoryLogger();
  const source = {
    repository: GUN,
    content_trust: {
      server: url,
      repository_key_id: TARGETS_KEY_ID,
      repository_key: fixture('targets-key.pem').toString(),
      repository_passphrase: 'targetspass',
      best_effort: bestEffort,
    },
  };
  const settings = notarySettings(source);
  const key = loadNotaryKey(source.content_trust.repository_key, 'targetspass', TARGETS_KEY_ID);
  return { logger, signer: new NotarySigner(settings, key, () => new NotaryHttpClient(settings, logger), logger) };
}

/** The targets document of a multipart upload. */
function uploadedTargets(upload: string) {
  expect(upload).toContain('Content-Disposition: form-data; name="files"; filename="targets"');
  const json = upload.slice(upload.indexOf('{"signed"'), upload.lastIndexOf('}') + 1);
  return parseSignedDocument(Buffer.from(json), 'upload');
}

describe('NotarySigner against a scripted server', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('publishes all tags in one signed targets update', async () => {
    const server = await scriptedServer([{ status: 200 }]);
    stop = server.stop;
    await signer(server.url).signer.sign(image);
    expect(server.uploads).toHaveLength(1);
    const doc = uploadedTargets(server.uploads[0] as string);
    const signed = doc.signed as { version: number; targets: Record<string, { length: number }> };
    expect(signed.version).toBe(4);
    expect(Object.keys(signed.targets)).toEqual(['latest', 'v1']);
    expect(signed.targets.v1).toEqual({ hashes: { sha256: Buffer.alloc(32, 0xcc).toString('base64') }, length: 321 });
    const root = parseRoot(parseSignedDocument(fixture('foo-bar-root.json'), 'root'));
    expect(() => verifyRoleSignatures(doc, root.keys, root.roles.targets!, 'upload')).not.toThrow();
  });

  it('reads the collection again when another writer got in first (400 VERSION)', async () => {
    const version = JSON.stringify({
      errors: [{ code: 'VERSION', message: 'A newer version of metadata is already available.' }],
    });
    const server = await scriptedServer([{ status: 400, body: version }, { status: 200 }]);
    stop = server.stop;
    const { signer: notary, logger } = signer(server.url);
    await notary.sign(image);
    expect(server.uploads).toHaveLength(2);
    expect(logger.warnings).toEqual([`Notary collection ${GUN} changed while signing; reading it again (attempt 2/3)`]);
  });

  it("names the server's reason when it refuses the update", async () => {
    const invalid = JSON.stringify({
      errors: [{ code: 'INVALID_UPDATE', message: 'Update sent by the client is invalid.', detail: 'targets expired' }],
    });
    const server = await scriptedServer([{ status: 400, body: invalid }]);
    stop = server.stop;
    await expect(signer(server.url).signer.sign(image)).rejects.toThrow(
      `${GUN}@${image.digest} was pushed, but Notary signing failed, so tag(s) v1, latest are unsigned: Notary server answered POST /v2/${GUN}/_trust/tuf/ with HTTP 400: INVALID_UPDATE: Update sent by the client is invalid. (targets expired)`,
    );
  });

  it('a refusal is a SigningError whose cause is an AuthenticationError with the exchange’s fields', async () => {
    const server = await scriptedServer([{ status: 403 }]);
    stop = server.stop;
    const failure = await signer(server.url)
      .signer.sign(image)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SigningError);
    const cause = (failure as SigningError).cause;
    expect(cause).toBeInstanceOf(AuthenticationError);
    expect(cause).toMatchObject({ method: 'POST', status: 403, url: `${server.url}/v2/${GUN}/_trust/tuf/` });
  });

  it('a rejected update is caused by a RegistryError that is not an authentication failure', async () => {
    const invalid = JSON.stringify({ errors: [{ code: 'INVALID_UPDATE', message: 'invalid' }] });
    const server = await scriptedServer([{ status: 400, body: invalid }]);
    stop = server.stop;
    const failure = await signer(server.url)
      .signer.sign(image)
      .catch((error: unknown) => error);
    const cause = (failure as SigningError).cause;
    expect(cause).toBeInstanceOf(RegistryError);
    expect(cause).not.toBeInstanceOf(AuthenticationError);
    expect(cause).toMatchObject({ status: 400 });
  });

  it('with best_effort, warns with the same line and resolves', async () => {
    const server = await scriptedServer([{ status: 403 }]);
    stop = server.stop;
    const { signer: notary, logger } = signer(server.url, true);
    await expect(notary.sign(image)).resolves.toBeUndefined();
    expect(logger.warnings).toEqual([
      `${GUN}@${image.digest} was pushed, but Notary signing failed, so tag(s) v1, latest are unsigned: Notary server answered POST /v2/${GUN}/_trust/tuf/ with HTTP 403 (content_trust.best_effort: the step succeeds anyway)`,
    ]);
  });
});
