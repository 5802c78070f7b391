import type { ServerResponse } from 'node:http';

/** Writes a whole response; `Content-Length` is filled in from the body when not given. */
export function reply(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body?: string | Buffer,
): void {
  const all = { ...headers };
  if (body !== undefined && all['Content-Length'] === undefined) all['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(status, all);
  res.end(body);
}

/** 201 for a blob now in the repository, whether uploaded or mounted. */
export function replyBlobCreated(res: ServerResponse, name: string, digest: string): void {
  reply(res, 201, {
    Location: `/v2/${name}/blobs/${digest}`,
    'Docker-Content-Digest': digest,
    'Content-Length': 0,
  });
}
