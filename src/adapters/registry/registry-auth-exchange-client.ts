import { inject, injectable } from 'inversify';
import { ResourceError } from '../../domain/errors';
import type { FormAnswer, AuthChallenge, RegistryAuthExchange } from '../../ports/registry-auth-exchange';
import { discard, HttpTransport, readBody } from './http-transport';
import { RegistryClientOptions, resolveRegistryClientOptions } from './registry-client-options';
import { pingTransportFailure, RegistryEndpoints } from './registry-endpoints';
import { isRetryableStatus, parseRetryAfter, RetryPolicy, TransientFailure } from './retry-policy';
import { tlsTrust } from './tls-trust';
import { classifyTransportError } from './transport-error';

/** Token answers are a few KiB; anything much bigger is not one. */
const FORM_ANSWER_LIMIT = 256 * 1024;

/**
 * RegistryAuthExchange over the distribution client's own layers: the same RegistryEndpoints
 * (scheme, `insecure`, the `/v2/` challenge), HttpTransport (`ca_certs`, timeouts, user agent)
 * and RetryPolicy, configured from the same RegistryClientOptions as DistributionRegistry.
 */
@injectable()
export class DistributionAuthExchange implements RegistryAuthExchange {
  private readonly transport: HttpTransport;
  private readonly retry: RetryPolicy;
  private readonly endpoints: RegistryEndpoints;

  constructor(@inject(RegistryClientOptions) options: RegistryClientOptions) {
    const settings = resolveRegistryClientOptions(options);
    this.transport = new HttpTransport({
      ca: tlsTrust(settings.caCerts),
      concurrency: settings.concurrency,
      userAgent: settings.userAgent,
      timeoutMs: settings.timeoutMs,
      ...(settings.deadline ? { deadline: settings.deadline } : {}),
    });
    this.retry = new RetryPolicy(
      { ...settings.retry, ...(settings.deadline ? { deadlineAtMs: settings.deadline.atMs } : {}) },
      settings.logger,
    );
    this.endpoints = new RegistryEndpoints(this.transport, this.retry, settings.logger, settings.insecureRegistries);
  }

  async challenge(registry: string): Promise<readonly AuthChallenge[]> {
    return (await this.endpoints.resolve(registry)).challenges;
  }

  async postForm(registry: string, path: string, form: Readonly<Record<string, string>>): Promise<FormAnswer> {
    const endpoint = await this.endpoints.resolve(registry);
    const url = new URL(path, endpoint.base);
    const what = `POST ${url.pathname} on registry ${registry}`;
    const body = Buffer.from(new URLSearchParams(form).toString(), 'utf8');
    return this.retry.run(what, async () => {
      let response;
      try {
        response = await this.transport.exchange({
          method: 'POST',
          url,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body,
          insecure: endpoint.insecure,
        });
      } catch (error) {
        throw pingTransportFailure(registry, endpoint.base, classifyTransportError(error), endpoint.insecure);
      }
      if (isRetryableStatus(response.status)) {
        discard(response);
        const final = new ResourceError('REGISTRY', `${what} failed: HTTP ${response.status}`);
        const retryAfter = parseRetryAfter(response.headers['retry-after'], Date.now());
        throw new TransientFailure(`HTTP ${response.status}`, final, retryAfter, response.status);
      }
      let text: string;
      try {
        text = (await readBody(response, FORM_ANSWER_LIMIT)).toString('utf8');
      } catch (error) {
        const failure = classifyTransportError(error);
        const final = new ResourceError('NETWORK', `${what} failed: ${failure.message}`, { cause: failure });
        if (failure.kind === 'reset' || failure.kind === 'timeout') throw new TransientFailure(failure.message, final);
        throw final;
      }
      return { status: response.status, body: parseJson(text) };
    });
  }

  /** Idle keep-alive connections go, so the process can exit promptly. */
  close(): void {
    this.transport.close();
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
