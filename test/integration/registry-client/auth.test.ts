/** The client against the real registry with htpasswd (Basic) and token (Bearer JWT) auth. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ResourceError } from '../../../src/domain/errors';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, withRegistry, type RunningRegistry } from '../support/registry-server';
import { startTokenServer } from '../support/token-server';
import { makeClient } from './client-fixture';
import { AuthenticationError } from '../../../src/ports/registry-errors';

describe('htpasswd (Basic) registry', () => {
  const reg = withRegistry({ auth: { htpasswd: { users: { alice: 'p@ss:word' } } } });

  it('reads with the right credentials', async () => {
    const r = reg.get();
    const image = randomImage('client-basic');
    await pushImage(r, 'client/basic', 'v1', image);
    const { client } = makeClient({ credentials: { [r.host]: { username: 'alice', password: 'p@ss:word' } } });
    const repo = { registry: r.host, path: 'client/basic' };
    expect(await client.listTags(repo)).toEqual(['v1']);
    expect((await client.headManifest(repo, 'v1'))?.digest).toBe(image.digest);
    const config = await client.getBlobBytes(repo, { digest: image.configDigest, size: image.configBytes.length });
    expect(config.equals(image.configBytes)).toBe(true);
  });

  it('fails once, clearly, with a wrong password (never printing it)', async () => {
    const r = reg.get();
    const { client, logger } = makeClient({
      credentials: { [r.host]: { username: 'alice', password: 'wrong-secret' } },
    });
    const error = (await client
      .listTags({ registry: r.host, path: 'client/basic' })
      .catch((e: unknown) => e)) as ResourceError;
    expect(error).toBeInstanceOf(ResourceError);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, method: 'GET' });
    expect(error.message).toMatch(
      new RegExp(`^authentication failed for ${r.host}/client/basic \\(user alice\\): HTTP 401 UNAUTHORIZED`),
    );
    expect(`${error.message}\n${logger.lines.join('\n')}`).not.toContain('wrong-secret');
    expect(logger.warnings).toEqual([]);
  });

  it('fails clearly without credentials', async () => {
    const { client } = makeClient();
    await expect(client.listTags({ registry: reg.get().host, path: 'client/basic' })).rejects.toMatchObject({
      name: 'AuthenticationError',
      status: 401,
      message: expect.stringContaining('(anonymous)'),
    });
  });
});

describe('token (Bearer) registry', () => {
  it('asks for pull to read and pull,push to push, reuses tokens, and mounts across repositories', async () => {
    const tokens = await startTokenServer({ users: { alice: 'secret' } });
    let r: RunningRegistry | undefined;
    try {
      r = await startRegistry({ auth: { token: tokens }, storage: 'inmemory' });
      const image = randomImage('client-token');
      await pushImage({ url: r.url, username: 'alice', password: 'secret' }, 'client/source', 'v1', image);
      tokens.requests.length = 0;

      const { client } = makeClient({ credentials: { [r.host]: { username: 'alice', password: 'secret' } } });
      const source = { registry: r.host, path: 'client/source' };
      expect(await client.listTags(source)).toEqual(['v1']);
      const got = await client.getManifest(source, 'v1');
      expect(got?.digest).toBe(image.digest);
      expect(tokens.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          user: 'alice',
          scopes: ['repository:client/source:pull'],
          outcome: 'issued',
        }),
      ]);

      const target = { registry: r.host, path: 'client/target' };
      const layer = image.layers[0];
      if (!layer || !got) throw new Error('fixture has no layer');
      await client.pushBlob(
        target,
        { digest: layer.digest, size: layer.size },
        {
          open: () => {
            throw new Error('a mounted blob must not be read');
          },
          mountFrom: 'client/source',
        },
      );
      await client.pushBlob(
        target,
        { digest: image.configDigest, size: image.configBytes.length },
        { open: () => bufferStream(image.configBytes), mountFrom: 'client/source' },
      );
      expect(await client.putManifest(target, 'v1', got.mediaType, got.bytes)).toBe(image.digest);
      const scopes = tokens.requests.map((t) => t.scopes.join(' '));
      expect(scopes).toContain('repository:client/target:pull,push');
      expect(scopes).toContain('repository:client/target:pull,push repository:client/source:pull');
      expect(await client.listTags(target)).toEqual(['v1']);

      const anonymous = makeClient().client;
      await expect(anonymous.putManifest(target, 'v2', got.mediaType, got.bytes)).rejects.toMatchObject({
        name: 'AuthenticationError',
        message: expect.stringContaining(`authentication failed for ${r.host}/client/target (anonymous)`),
      });
      const wrong = makeClient({ credentials: { [r.host]: { username: 'alice', password: 'nope' } } }).client;
      await expect(wrong.listTags(source)).rejects.toMatchObject({
        name: 'AuthenticationError',
        status: 401,
        message: expect.stringMatching(/\(user alice\): token server http:\/\/127\.0\.0\.1:\d+ answered HTTP 401/),
      });
    } finally {
      await r?.stop();
      await tokens.stop();
    }
  });
});

function bufferStream(bytes: Buffer): Readable {
  return Readable.from([bytes], { objectMode: false });
}
