import { describe, expect, it } from 'vitest';
import { MAX_REDIRECTS, RedirectExchange } from '../../../../src/adapters/registry/redirect-exchange';
import { NotFoundError, RegistryError } from '../../../../src/ports/registry-errors';
import { errors, FakeExchange, request } from './fake-exchange';

const BLOB = 'https://registry.test/v2/team/app/blobs/sha256:abc';
const AUTH = { Authorization: 'Bearer registry-token', Accept: '*/*' };

describe('RedirectExchange', () => {
  it('follows a GET to storage, dropping Authorization for the other origin only', async () => {
    const inner = new FakeExchange((r) => {
      if (r.url.pathname.endsWith('sha256:abc'))
        return { status: 307, headers: { location: '/v2/team/app/blobs/moved' } };
      if (r.url.pathname.endsWith('moved')) return { status: 302, headers: { location: 'https://cdn.test/b?sig=1' } };
      return { status: 200, body: 'blob' };
    });
    const response = await new RedirectExchange(inner).exchange(request(BLOB, { headers: AUTH, insecure: true }));
    expect(response.status).toBe(200);
    expect(inner.lines).toEqual([
      `GET ${BLOB}`,
      'GET https://registry.test/v2/team/app/blobs/moved',
      'GET https://cdn.test/b?sig=1',
    ]);
    expect(inner.requests.map((r) => r.headers?.Authorization)).toEqual([
      'Bearer registry-token',
      'Bearer registry-token',
      undefined,
    ]);
    expect(inner.requests[2]?.headers?.Accept).toBe('*/*');
    // Skipping certificate checks is for the insecure registry's own host, not where it sends us.
    expect(inner.requests.map((r) => r.insecure)).toEqual([true, true, false]);
  });

  it(`stops after ${MAX_REDIRECTS} redirects`, async () => {
    const inner = new FakeExchange((_r, i) => ({ status: 302, headers: { location: `/hop/${i}` } }));
    const failure = new RedirectExchange(inner).exchange(request(BLOB));
    await expect(failure).rejects.toThrow(
      'fetching manifest v1 of registry.test/team/app failed: more than 10 redirects',
    );
    expect(inner.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('refuses a redirect to anything but http(s), and one without a Location', async () => {
    const ftp = new FakeExchange(() => ({ status: 301, headers: { location: 'ftp://files.test/x' } }));
    await expect(new RedirectExchange(ftp).exchange(request(BLOB))).rejects.toThrow(
      'failed: redirect to unsupported URL scheme ftp:',
    );
    const bare = new FakeExchange(() => ({ status: 302 }));
    const error: unknown = await new RedirectExchange(bare).exchange(request(BLOB)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      message: 'fetching manifest v1 of registry.test/team/app failed: HTTP 302 without a Location header',
      status: 302,
      url: BLOB,
    });
  });

  it("reports a foreign host's refusal as its own, with its status and diagnostics", async () => {
    const inner = new FakeExchange((r) =>
      r.url.host === 'cdn.test'
        ? { status: 404, body: errors({ code: 'NoSuchKey', message: 'gone' }) }
        : { status: 307, headers: { location: 'https://cdn.test/b?sig=1' } },
    );
    const error: unknown = await new RedirectExchange(inner).exchange(request(BLOB)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      message:
        'fetching manifest v1 of registry.test/team/app failed: redirect target https://cdn.test answered HTTP 404: NoSuchKey: gone',
      status: 404,
      url: 'https://cdn.test/b',
      diagnostics: [{ code: 'NoSuchKey', message: 'gone' }],
    });
  });

  it('hands a redirect of a PUT or POST back as it is', async () => {
    const inner = new FakeExchange(() => ({ status: 307, headers: { location: '/elsewhere' } }));
    const response = await new RedirectExchange(inner).exchange(request(BLOB, { method: 'PUT' }));
    expect(response.status).toBe(307);
    expect(inner.requests).toHaveLength(1);
  });
});
