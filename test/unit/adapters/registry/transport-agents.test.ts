import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { ForwardingAgent, TunnelingAgent } from '../../../../src/adapters/registry/proxy-agent';
import { NO_PROXY_ENVIRONMENT, proxyEnvironment } from '../../../../src/adapters/registry/proxy-environment';
import { TransportAgents } from '../../../../src/adapters/registry/transport-agents';

const CA = ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'];

describe('TransportAgents', () => {
  it('goes direct on shared keep-alive agents, our CAs trusted, none for an insecure host', () => {
    const agents = new TransportAgents({ ca: CA, timeoutMs: 1000, proxy: NO_PROXY_ENVIRONMENT });
    const trusted = agents.route(new URL('https://registry.test/v2/'), false);
    const insecure = agents.route(new URL('https://registry.test/v2/'), true);
    const plain = agents.route(new URL('http://registry.test/v2/'), false);
    expect(trusted.proxy).toBeUndefined();
    expect(trusted.httpsAgent).toBeInstanceOf(HttpsAgent);
    expect(trusted.httpsAgent.options).toMatchObject({ keepAlive: true, ca: CA });
    expect(insecure.httpsAgent.options).toMatchObject({ keepAlive: true, rejectUnauthorized: false });
    expect(insecure.httpsAgent.options).not.toHaveProperty('ca');
    expect(plain.httpAgent).toBeInstanceOf(HttpAgent);
    expect(agents.route(new URL('https://other.test/v2/'), false).httpsAgent).toBe(trusted.httpsAgent);
    agents.close();
  });

  it('sends http through a forwarding agent and https through a CONNECT tunnel, made once each', () => {
    const env = proxyEnvironment({
      HTTP_PROXY: 'http://proxy.test:3128',
      HTTPS_PROXY: 'http://proxy.test:3128',
      NO_PROXY: 'direct.test',
    });
    const agents = new TransportAgents({ ca: undefined, timeoutMs: 1000, proxy: env });
    const http = agents.route(new URL('http://registry.test/v2/'), false);
    const https = agents.route(new URL('https://registry.test/v2/'), false);
    const insecure = agents.route(new URL('https://registry.test/v2/'), true);
    expect(http.httpAgent).toBeInstanceOf(ForwardingAgent);
    expect(https.httpsAgent).toBeInstanceOf(TunnelingAgent);
    expect(insecure.httpsAgent).toBeInstanceOf(TunnelingAgent);
    expect(insecure.httpsAgent).not.toBe(https.httpsAgent);
    expect(https.proxy).toMatchObject({ hostname: 'proxy.test', port: 3128, source: 'HTTPS_PROXY' });
    expect(http.proxy).toMatchObject({ hostname: 'proxy.test', source: 'HTTP_PROXY' });
    expect(agents.route(new URL('https://another.test/v2/'), false).httpsAgent).toBe(https.httpsAgent);
    // NO_PROXY hosts go direct.
    const direct = agents.route(new URL('https://direct.test/v2/'), false);
    expect(direct.proxy).toBeUndefined();
    expect(direct.httpsAgent).not.toBeInstanceOf(TunnelingAgent);
    agents.close();
  });
});
