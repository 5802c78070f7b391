import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { isLoopbackRegistry } from '../../../domain/image-reference';
import type { Logger } from '../../../ports/logger';
import { BearerTokenSource, principal } from '../../registry/bearer-token-source';
import { ConcurrencyExchange } from '../../registry/concurrency-exchange';
import { HttpTransport } from '../../registry/http-transport';
import { UserAgentExchange } from '../../registry/user-agent-exchange';
import { DEFAULT_RETRY, isRetryableStatus, RetryPolicy, TransientFailure } from '../../registry/retry-policy';
import { classifyTransportError } from '../../registry/transport-error';
import { parseWwwAuthenticate, preferredChallenge } from '../../registry/www-authenticate';
import { describeNotaryError, notaryTransportFailure, VersionConflictError } from './notary-errors';
import type { NotarySettings } from './notary-settings';
import { AuthenticationError, RegistryError } from '../../../ports/registry-errors';

export interface NotaryHttpOptions {
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

interface Exchange {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Metadata documents are small; anything bigger is not a Notary server talking. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * The Notary server's TUF API for one collection: `GET …/_trust/tuf/<role>.json` and the
 * multipart `POST …/_trust/tuf/` that publishes roles. Authenticates like a registry (a 401
 * challenge answered with a bearer token from its realm, or Basic), verifies TLS against the
 * system roots plus `source.ca_certs`, and presents the client certificate when configured.
 */
export class NotaryHttpClient {
  private readonly client: AxiosInstance;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent: HttpsAgent;
  private readonly tokenTransport: HttpTransport;
  private readonly tokens: BearerTokenSource;
  private readonly retry: RetryPolicy;
  private authorization: string | undefined;

  constructor(
    private readonly settings: NotarySettings,
    private readonly logger: Logger,
    options: NotaryHttpOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const userAgent = options.userAgent ?? 'registry-image-resource-ts/0.1.0';
    this.httpsAgent = new HttpsAgent({
      keepAlive: true,
      rejectUnauthorized: !settings.insecure,
      ...(settings.ca ? { ca: settings.ca } : {}),
      ...(settings.clientCertificate ?? {}),
    });
    this.client = axios.create({
      adapter: 'http',
      maxRedirects: 0,
      validateStatus: null,
      responseType: 'arraybuffer',
      decompress: true,
      proxy: false,
      timeout: timeoutMs,
      maxContentLength: MAX_BODY_BYTES,
      maxBodyLength: MAX_BODY_BYTES,
      headers: { 'User-Agent': userAgent },
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
    });
    this.retry = new RetryPolicy(DEFAULT_RETRY, logger);
    this.tokenTransport = new HttpTransport({ ca: settings.ca, timeoutMs });
    const tokenExchange = new UserAgentExchange(new ConcurrencyExchange(this.tokenTransport, 2), userAgent);
    this.tokens = new BearerTokenSource(tokenExchange, this.retry, logger);
  }

  private url(suffix: string): URL {
    const base = this.settings.server;
    return new URL(`${base.pathname.replace(/\/+$/, '')}/v2/${this.settings.gun}/_trust/tuf/${suffix}`, base);
  }

  /** A role's current metadata, or undefined when the server has none (404). */
  async fetchRole(role: string): Promise<Buffer | undefined> {
    const url = this.url(`${role}.json`);
    const response = await this.send('GET', url);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw this.failure('GET', url, response);
    return response.body;
  }

  /** Publishes signed roles in one update; the server then makes snapshot and timestamp. */
  async publish(parts: readonly { role: string; bytes: Buffer }[]): Promise<void> {
    const boundary = `notary-${randomBytes(12).toString('hex')}`;
    const chunks: Buffer[] = [];
    for (const part of parts) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${part.role}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        part.bytes,
        Buffer.from('\r\n'),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    const url = this.url('');
    const response = await this.send('POST', url, Buffer.concat(chunks), {
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
    });
    if (response.status === 200) return;
    const detail = describeNotaryError(response.body);
    if (response.status === 400 && /\bVERSION\b/.test(detail + response.body.toString('utf8'))) {
      throw new VersionConflictError(`Notary server ${this.settings.server.origin} holds a newer version`);
    }
    const failure = this.failure('POST', url, response);
    if (response.status === 400 && /snapshot/i.test(detail)) {
      const { server, gun } = this.settings;
      throw new RegistryError(
        `${failure.message}; the server must hold the snapshot key: run \`notary -s ${server.origin} key rotate ${gun} snapshot -r\``,
        { method: 'POST', url: `${url.origin}${url.pathname}`, status: response.status, cause: failure },
      );
    }
    throw failure;
  }

  private failure(method: string, url: URL, response: Exchange): RegistryError {
    const detail = describeNotaryError(response.body);
    const message = `Notary server answered ${method} ${url.pathname} with HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
    const details = { method, url: `${url.origin}${url.pathname}`, status: response.status };
    return response.status === 401 || response.status === 403
      ? new AuthenticationError(message, details)
      : new RegistryError(message, details);
  }

  /** One request, authenticated on demand: a 401 is answered once with fresh credentials. */
  private async send(
    method: 'GET' | 'POST',
    url: URL,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<Exchange> {
    let response = await this.exchange(method, url, body, headers);
    if (response.status !== 401) return response;
    const hadAuthorization = this.authorization !== undefined;
    this.authorization = await this.authorize(response, hadAuthorization);
    response = await this.exchange(method, url, body, headers);
    if (response.status === 401 || response.status === 403) {
      const detail = describeNotaryError(response.body);
      throw new AuthenticationError(
        `Notary server ${this.settings.server.origin} refused ${principal(this.settings.credentials)} for ${method} ${url.pathname} (HTTP ${response.status}${detail ? `: ${detail}` : ''}); check content_trust.username/password (or source.username/password) and content_trust.scopes`,
      );
    }
    return response;
  }

  private async authorize(response: Exchange, fresh: boolean): Promise<string> {
    const { server, gun, credentials } = this.settings;
    const challenge = preferredChallenge(parseWwwAuthenticate(response.headers['www-authenticate']));
    if (challenge?.scheme === 'bearer') {
      const realm = challenge.params.realm;
      if (!realm)
        throw new AuthenticationError(`Notary server ${server.origin} sent a Bearer challenge without a realm`);
      const token = await this.tokens.token(
        {
          endpoint: { registry: server.host, base: server, insecure: this.settings.insecure, challenges: [] },
          repository: gun,
          realm,
          service: challenge.params.service,
          scopes: [`repository:${gun}:${this.settings.actions}`],
          credentials,
        },
        fresh,
      );
      return `Bearer ${token}`;
    }
    if (challenge?.scheme === 'basic' && credentials?.kind === 'basic') {
      if (server.protocol !== 'https:' && !isLoopbackRegistry(server.host)) {
        throw new AuthenticationError(
          `refusing to send credentials to Notary server ${server.origin} over plain HTTP; use an https:// server`,
        );
      }
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    throw new AuthenticationError(
      `Notary server ${server.origin} requires authentication (HTTP 401) and ${credentials ? 'offers no challenge we can answer' : 'no credentials are configured: set content_trust.username/password or source.username/password'}`,
    );
  }

  private exchange(
    method: 'GET' | 'POST',
    url: URL,
    body: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<Exchange> {
    const what = `${method} ${url.toString()}`;
    return this.retry.run(`Notary ${what}`, async () => {
      let response;
      try {
        response = await this.client.request<ArrayBuffer>({
          method,
          url: url.toString(),
          headers: { ...headers, ...(this.authorization ? { Authorization: this.authorization } : {}) },
          ...(body ? { data: body } : {}),
        });
      } catch (error) {
        const failure = classifyTransportError(error);
        const final = notaryTransportFailure(failure, this.settings);
        if (failure.kind === 'reset' || failure.kind === 'timeout') throw new TransientFailure(failure.message, final);
        throw final;
      }
      this.logger.debug(`Notary ${method} ${url.toString()} -> ${response.status}`);
      const plain: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
        if (value !== undefined && value !== null)
          plain[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      const exchange = {
        status: response.status,
        headers: plain,
        body: Buffer.from(response.data ?? new ArrayBuffer(0)),
      };
      if (isRetryableStatus(exchange.status)) {
        throw new TransientFailure(`HTTP ${exchange.status}`, this.failure(method, url, exchange));
      }
      return exchange;
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.tokenTransport.close();
  }
}
