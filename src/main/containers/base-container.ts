import { Container } from 'inversify';
import { StderrLogger } from '../../adapters/logging/stderr-logger';
import { ProviderChain } from '../../adapters/providers/provider-chain';
import { RegistryClientOptions } from '../../adapters/registry/registry-client-options';
import { registryClientModule } from '../../adapters/registry/registry-client-module';
import { retrySettingsFor } from '../../adapters/registry/step-retry-settings';
import { stepDeadlineFrom } from '../../adapters/registry/step-deadline';
import { configuredTarget } from '../../application/mirror-plan';
import type { AwsConfig, BasicCredentialsConfig, Source } from '../../application/request-types';
import { AuthPort } from '../../ports/auth-port';
import { HostPlatform } from '../../ports/host-platform';
import { Logger } from '../../ports/logger';
import { ProviderRequest, type StepTarget } from '../../ports/registry-provider';
import { secretsOf } from '../secrets';
import { providerModules } from './provider-modules';

export interface BaseContainerOptions {
  readonly source: Source;
  /** `params.username/password` of in/out override the source's (short-lived credentials). */
  readonly paramsCredentials?: BasicCredentialsConfig & AwsConfig;
  /** `out` asks for push scope from the start, so one token serves the whole run. */
  readonly push: boolean;
  readonly step: 'check' | 'in' | 'out';
  /** Registry exchanges in flight at once; the registry client's default when absent. */
  readonly concurrency?: number;
}

/**
 * The bindings every step shares: Logger, the registry providers and their chain (AuthPort), and
 * RegistryPort, configured from the request's source. Each entrypoint adds its use case on top
 * and calls `resolveStepTarget` before running it.
 */
export function createBaseContainer(options: BaseContainerOptions): Container {
  const { source } = options;
  const container = new Container();
  const logger = new StderrLogger(
    source.debug === true,
    secretsOf(source, options.paramsCredentials as Record<string, unknown> | undefined),
  );
  container.bind<Logger>(Logger).toConstantValue(logger);
  container.bind<ProviderRequest>(ProviderRequest).toConstantValue({
    source,
    ...(options.paramsCredentials ? { params: options.paramsCredentials } : {}),
    step: options.step,
    target: configuredTarget(source),
  });
  container.loadSync(...providerModules);
  container.bind(ProviderChain).toSelf().inSingletonScope();
  container.bind<AuthPort>(AuthPort).toService(ProviderChain);
  // The step's retry budget (in/out: an hour for rate limits, as the Go resource) starts now.
  const retry = retrySettingsFor(options.step, process.env);
  container.bind<RegistryClientOptions>(RegistryClientOptions).toDynamicValue((context) => {
    // Usually built after resolveStepTarget, so a host a provider rewrote is covered by `insecure`
    // too; a provider that talks to the registry while resolving (ACR) does not rewrite it.
    const target = context.get(ProviderChain).currentTarget;
    return {
      auth: context.get<AuthPort>(AuthPort),
      logger,
      // `insecure` is about the configured registry; the mirror shares the setting, as in Go.
      insecureRegistries: source.insecure
        ? [target.origin.registry, ...(target.mirror ? [target.mirror.registry] : [])]
        : [],
      caCerts: source.ca_certs ?? [],
      pushScope: options.push,
      retry,
      deadline: stepDeadlineFrom(process.env, retry.stepBudget?.startedAtMs),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    };
  });
  container.loadSync(registryClientModule);
  container.bind<HostPlatform>(HostPlatform).toConstantValue(hostPlatform());
  return container;
}

/**
 * Run the providers the request switches on: the entrypoint calls this once and gives the
 * resulting target to its use case.
 */
export function resolveStepTarget(container: Container): Promise<StepTarget> {
  return container.get(ProviderChain).resolve();
}

/** Node's names for the running system, in the OCI vocabulary (what Go's GOOS/GOARCH give the Go resource). */
const ARCHITECTURES: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export function hostPlatform(): HostPlatform {
  return {
    os: process.platform === 'win32' ? 'windows' : process.platform,
    architecture: ARCHITECTURES[process.arch] ?? process.arch,
  };
}
