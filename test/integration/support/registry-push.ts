/**
 * Pushes fixtures to a registry with plain HTTP, handling auth the way docker/ggcr do:
 * try anonymously, and on 401 answer the challenge (Basic with the credentials, or Bearer with a
 * token fetched from the realm for the challenge's service and scope, Basic creds sent to the realm).
 *
 *   new RegistrySession(target).request(method, pathOrUrl, { headers?, body? }) → HttpResponse
 *   pushBlob(target, repo, bytes, digest?) → digest           (skips when HEAD says it exists)
 *   pushImage(target, repo, tagOrDigest, image) → manifest digest (layers + config first)
 *   pushIndex(target, repo, tagOrDigest, index) → index digest    (children by digest first)
 *   getManifest(target, repo, ref, accept?) → { status, digest?, mediaType?, bytes }
 *   deleteTag(target, repo, tag) → deleted digest (DELETE by digest: every tag on it goes too)
 *
 * RegistryTarget = { url, username?, password?, caPem? } — a RunningRegistry fits as is.
 * Failures throw Error with method, URL, status and the registry's error body.
 */
import { createHash } from 'node:crypto';
import { header, httpRequest, type HttpResponse } from './http-client';
import { type BuiltImage, type BuiltIndex } from './image-fixtures';
import { MANIFEST_ACCEPT } from './media-types';

export interface RegistryTarget {
  url: string;
  username?: string;
  password?: string;
  caPem?: string;
}

export interface ManifestResponse {
  status: number;
  digest?: string;
  mediaType?: string;
  bytes: Buffer;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(value: string): Challenge {
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of value.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    if (m[1] !== undefined && m[2] !== undefined) params[m[1]] = m[2];
  }
  return { scheme, params };
}

export class RegistrySession {
  private authorization: string | undefined;

  constructor(private readonly target: RegistryTarget) {}

  private basic(): string | undefined {
    const { username, password } = this.target;
    if (username === undefined || password === undefined) return undefined;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  async request(
    method: string,
    pathOrUrl: string,
    options: { headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<HttpResponse> {
    const url = new URL(pathOrUrl, this.target.url).href;
    const send = (): Promise<HttpResponse> =>
      httpRequest({
        url,
        method,
        body: options.body,
        caPem: this.target.caPem,
        headers: { ...(options.headers ?? {}), ...(this.authorization ? { Authorization: this.authorization } : {}) },
      });
    const first = await send();
    if (first.status !== 401) return first;
    const challengeHeader = header(first, 'www-authenticate');
    if (challengeHeader === undefined) return first;
    const challenge = parseChallenge(challengeHeader);
    if (challenge.scheme === 'basic') {
      const basic = this.basic();
      if (basic === undefined || basic === this.authorization) return first;
      this.authorization = basic;
    } else if (challenge.scheme === 'bearer') {
      const token = await this.fetchToken(challenge.params);
      if (token === undefined) return first;
      this.authorization = `Bearer ${token}`;
    } else {
      return first;
    }
    return send();
  }

  private async fetchToken(params: Record<string, string>): Promise<string | undefined> {
    const realm = params.realm;
    if (realm === undefined) return undefined;
    const url = new URL(realm);
    if (params.service !== undefined) url.searchParams.set('service', params.service);
    if (params.scope !== undefined) url.searchParams.set('scope', params.scope);
    const basic = this.basic();
    const res = await httpRequest({
      url: url.href,
      caPem: this.target.caPem,
      headers: basic ? { Authorization: basic } : {},
    });
    if (res.status !== 200) return undefined;
    const body = res.json<{ token?: string; access_token?: string }>();
    return body.token ?? body.access_token;
  }
}

function fail(what: string, method: string, url: string, res: HttpResponse): never {
  throw new Error(`${what}: ${method} ${url} → ${res.status} ${res.text().slice(0, 500)}`);
}

function asSession(target: RegistryTarget | RegistrySession): RegistrySession {
  return target instanceof RegistrySession ? target : new RegistrySession(target);
}

export async function pushBlob(
  target: RegistryTarget | RegistrySession,
  repo: string,
  bytes: Buffer,
  digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
): Promise<string> {
  const session = asSession(target);
  const head = await session.request('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status === 200) return digest;
  const start = await session.request('POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) fail(`blob upload start for ${repo}`, 'POST', `/v2/${repo}/blobs/uploads/`, start);
  const location = header(start, 'location');
  if (location === undefined) throw new Error(`blob upload start for ${repo}: no Location header`);
  const putUrl = new URL(location, 'http://placeholder.invalid');
  putUrl.searchParams.set('digest', digest);
  const target2 = location.startsWith('http') ? putUrl.href : `${putUrl.pathname}${putUrl.search}`;
  const put = await session.request('PUT', target2, {
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) fail(`blob upload of ${digest} to ${repo}`, 'PUT', target2, put);
  return digest;
}

async function putManifest(
  session: RegistrySession,
  repo: string,
  ref: string,
  bytes: Buffer,
  mediaType: string,
  expectedDigest: string,
): Promise<string> {
  const path = `/v2/${repo}/manifests/${ref}`;
  const res = await session.request('PUT', path, { body: bytes, headers: { 'Content-Type': mediaType } });
  if (res.status !== 201) fail(`manifest push to ${repo}:${ref}`, 'PUT', path, res);
  const digest = header(res, 'docker-content-digest');
  if (digest !== undefined && digest !== expectedDigest) {
    throw new Error(`manifest push to ${repo}:${ref}: registry says ${digest}, expected ${expectedDigest}`);
  }
  return expectedDigest;
}

export async function pushImage(
  target: RegistryTarget | RegistrySession,
  repo: string,
  tagOrDigest: string,
  image: BuiltImage,
): Promise<string> {
  const session = asSession(target);
  for (const layer of image.layers) await pushBlob(session, repo, layer.bytes, layer.digest);
  await pushBlob(session, repo, image.configBytes, image.configDigest);
  return putManifest(session, repo, tagOrDigest, image.manifestBytes, image.mediaType, image.digest);
}

export async function pushIndex(
  target: RegistryTarget | RegistrySession,
  repo: string,
  tagOrDigest: string,
  index: BuiltIndex,
): Promise<string> {
  const session = asSession(target);
  for (const image of index.images) await pushImage(session, repo, image.digest, image);
  return putManifest(session, repo, tagOrDigest, index.manifestBytes, index.mediaType, index.digest);
}

export async function getManifest(
  target: RegistryTarget | RegistrySession,
  repo: string,
  ref: string,
  accept: string = MANIFEST_ACCEPT,
): Promise<ManifestResponse> {
  const res = await asSession(target).request('GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: accept } });
  return {
    status: res.status,
    digest: header(res, 'docker-content-digest'),
    mediaType: header(res, 'content-type'),
    bytes: res.body,
  };
}

export async function deleteTag(target: RegistryTarget | RegistrySession, repo: string, tag: string): Promise<string> {
  const session = asSession(target);
  const headPath = `/v2/${repo}/manifests/${tag}`;
  const head = await session.request('HEAD', headPath, { headers: { Accept: MANIFEST_ACCEPT } });
  const digest = header(head, 'docker-content-digest');
  if (head.status !== 200 || digest === undefined) fail(`resolving ${repo}:${tag} for delete`, 'HEAD', headPath, head);
  const path = `/v2/${repo}/manifests/${digest}`;
  const res = await session.request('DELETE', path);
  if (res.status !== 202) fail(`delete of ${repo}@${digest}`, 'DELETE', path, res);
  return digest;
}
