/**
 * Tiny loopback HTTP(S) client for the test harness (Node built-ins only).
 *
 * Why not `fetch`: Node's fetch cannot take a custom CA per request, and TLS tests need one.
 * Bodies are buffered: this is for fixtures and small test images, never for product code.
 *
 *   httpRequest({ url, method?, headers?, body?, caPem?, timeoutMs? })
 *     → Promise<{ status, headers: IncomingHttpHeaders, body: Buffer, text(): string, json<T>(): T }>
 *   header(res, name) → first value of a response header (lower-case name) or undefined
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpRequestOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** PEM CA to trust for https URLs (the test PKI's CA). */
  caPem?: string;
  /** Client certificate for mTLS. */
  clientCertPem?: string;
  clientKeyPem?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const url = new URL(options.url);
  const isTls = url.protocol === 'https:';
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    headers['Content-Length'] = String(body.length);
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: options.method ?? 'GET',
      headers,
      // A fresh connection per request: tests count requests and kill servers freely.
      agent: false,
    };
    if (isTls) {
      if (options.caPem !== undefined) requestOptions.ca = options.caPem;
      if (options.clientCertPem !== undefined) requestOptions.cert = options.clientCertPem;
      if (options.clientKeyPem !== undefined) requestOptions.key = options.clientKeyPem;
    }
    const req = (isTls ? https : http).request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          text: () => buf.toString('utf8'),
          json: <T>() => JSON.parse(buf.toString('utf8')) as T,
        });
      });
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`timeout: ${req.method} ${url.href}`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function header(res: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
