/** The client against the real registry serving TLS from the test CA. */
import { describe, expect, it } from 'vitest';
import { NetworkError } from '../../../src/ports/registry-errors';
import { ResourceError } from '../../../src/domain/errors';
import { pushImage, randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { makeClient } from './client-fixture';

describe('TLS registry with a private CA', () => {
  const reg = withRegistry({ tls: true, storage: 'inmemory' });
  const image = randomImage('client-tls');

  it('works when the CA is in ca_certs', async () => {
    const r = reg.get();
    await pushImage(r, 'client/tls', 'v1', image);
    const { client } = makeClient({ caCerts: [r.caPem ?? ''] });
    const repo = { registry: r.host, path: 'client/tls' };
    expect((await client.headManifest(repo, 'v1'))?.digest).toBe(image.digest);
    const layer = image.layers[0];
    if (!layer) throw new Error('fixture has no layer');
    expect((await client.getBlobBytes(repo, { digest: layer.digest, size: layer.size })).equals(layer.bytes)).toBe(
      true,
    );
  });

  it('fails with a TLS error that says how to fix it, and never downgrades to HTTP', async () => {
    const r = reg.get();
    const { client } = makeClient();
    const error = (await client
      .listTags({ registry: r.host, path: 'client/tls' })
      .catch((e: unknown) => e)) as ResourceError;
    expect(error).toBeInstanceOf(ResourceError);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).kind).toBe('tls-certificate');
    expect(error.message).toMatch(
      new RegExp(`^TLS certificate of registry ${r.host} is not trusted: .*source\\.ca_certs.*source\\.insecure: true`),
    );
  });

  it('works with insecure (verification skipped for that registry only)', async () => {
    const r = reg.get();
    const { client } = makeClient({ insecureRegistries: [r.host] });
    expect(await client.listTags({ registry: r.host, path: 'client/tls' })).toEqual(['v1']);
    const other = makeClient({ insecureRegistries: ['127.0.0.1:1'] }).client;
    await expect(other.listTags({ registry: r.host, path: 'client/tls' })).rejects.toBeInstanceOf(NetworkError);
  });

  it('rejects an invalid PEM as a configuration error naming the entry', () => {
    expect(() => makeClient({ caCerts: [reg.get().caPem ?? '', 'garbage'] })).toThrow(/source\.ca_certs\[1\]/);
  });
});
