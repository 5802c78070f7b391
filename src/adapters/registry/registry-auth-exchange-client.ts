import { inject, injectable } from 'inversify';
import type { FormAnswer, AuthChallenge, RegistryAuthExchange } from '../../ports/registry-auth-exchange';
import { readBody } from './http-body';
import { RegistryClientOptions, resolveRegistryClientOptions } from './registry-client-options';
import { apiHost } from './registry-endpoints';
import { registryTransportStack, type RegistryTransportStack } from './registry-transport-stack';

/** Token answers are a few KiB; anything much bigger is not one. */
const FORM_ANSWER_LIMIT = 256 * 1024;

/**
 * RegistryAuthExchange over the distribution client's own transport stack, without its auth layer
 * (the form carries the credentials): the same scheme selection, `insecure`, `/v2/` challenge,
 * `ca_certs`, timeouts, user agent and retries, configured from the same RegistryClientOptions.
 */
@injectable()
export class DistributionAuthExchange implements RegistryAuthExchange {
  private readonly stack: RegistryTransportStack;

  constructor(@inject(RegistryClientOptions) options: RegistryClientOptions) {
    this.stack = registryTransportStack(resolveRegistryClientOptions(options));
  }

  async challenge(registry: string): Promise<readonly AuthChallenge[]> {
    return (await this.stack.endpoints.resolve(registry)).challenges;
  }

  async postForm(registry: string, path: string, form: Readonly<Record<string, string>>): Promise<FormAnswer> {
    const url = new URL(path, `https://${apiHost(registry)}`);
    const response = await this.stack.anonymous.exchange({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: Buffer.from(new URLSearchParams(form).toString(), 'utf8'),
      context: {
        registry,
        repository: registry,
        what: `POST ${url.pathname} on registry ${registry}`,
        scopes: [],
        buffer: { limit: FORM_ANSWER_LIMIT, when: () => true },
      },
    });
    const text = (await readBody(response, FORM_ANSWER_LIMIT)).toString('utf8');
    return { status: response.status, body: parseJson(text) };
  }

  /** Idle keep-alive connections go, so the process can exit promptly. */
  close(): void {
    this.stack.close();
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
