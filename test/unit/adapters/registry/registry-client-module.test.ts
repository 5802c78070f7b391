import 'reflect-metadata';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import { registryClientModule } from '../../../../src/adapters/registry/registry-client-module';
import { RegistryClientOptions } from '../../../../src/adapters/registry/registry-client-options';
import { ConfigurationError } from '../../../../src/domain/errors';
import { RegistryPort } from '../../../../src/ports/registry-port';
import { memoryLogger } from './support';

describe('registryClientModule', () => {
  it('binds RegistryPort to one DistributionRegistry built from the bound options', async () => {
    const container = new Container();
    container
      .bind<RegistryClientOptions>(RegistryClientOptions)
      .toConstantValue({ auth: new StaticCredentialsAuth({}), logger: memoryLogger() });
    await container.load(registryClientModule);
    const port = container.get<RegistryPort>(RegistryPort);
    expect(port).toBeInstanceOf(DistributionRegistry);
    expect(container.get<RegistryPort>(RegistryPort)).toBe(port);
    (port as DistributionRegistry).close();
  });

  it('surfaces an invalid ca_certs entry as a ConfigurationError when the port is built', async () => {
    const container = new Container();
    container
      .bind<RegistryClientOptions>(RegistryClientOptions)
      .toConstantValue({ auth: new StaticCredentialsAuth({}), logger: memoryLogger(), caCerts: ['not a pem'] });
    await container.load(registryClientModule);
    expect(() => container.get<RegistryPort>(RegistryPort)).toThrow(ConfigurationError);
  });
});
