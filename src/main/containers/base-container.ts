import { Container } from 'inversify';
import { StaticCredentialsAuth, type UsernamePassword } from '../../adapters/auth/static-credentials-auth';
import { StderrLogger } from '../../adapters/logging/stderr-logger';
import { RegistryClientOptions } from '../../adapters/registry/registry-client-options';
import { registryClientModule } from '../../adapters/registry/registry-client-module';
import { repositoryPlan, type RepositoryPlan } from '../../application/mirror-plan';
import type { AwsConfig, BasicCredentialsConfig, Source } from '../../application/request-types';
import { AuthPort } from '../../ports/auth-port';
import { HostPlatform } from '../../ports/host-platform';
import { Logger } from '../../ports/logger';
import { secretsOf } from '../secrets';
import { rejectUnsupportedFeatures } from './unsupported-features';

export interface BaseContainerOptions {
  readonly source: Source;
  /** `params.username/password` of in/out override the source's (short-lived credentials). */
  readonly paramsCredentials?: BasicCredentialsConfig & AwsConfig;
  /** `out` asks for push scope from the start, so one token serves the whole run. */
  readonly push: boolean;
  readonly step?: 'check' | 'in' | 'out';
}

/** Credentials per registry host: the source's for the repository's registry, the mirror's for the mirror. */
function staticCredentials(
  source: Source,
  plan: RepositoryPlan,
  override?: BasicCredentialsConfig,
): StaticCredentialsAuth {
  const entries = new Map<string, UsernamePassword>();
  const username = override?.username || source.username;
  const password = override?.username ? override.password : source.password;
  if (username) entries.set(plan.origin.registry, { username, password: password ?? '' });
  const mirror = source.registry_mirror;
  if (plan.mirror && mirror?.username)
    entries.set(plan.mirror.registry, { username: mirror.username, password: mirror.password ?? '' });
  return new StaticCredentialsAuth(entries);
}

/**
 * The bindings every step shares: Logger, AuthPort and RegistryPort, configured from the
 * request's source. Each entrypoint adds its use case on top.
 */
export function createBaseContainer(options: BaseContainerOptions): Container {
  const { source } = options;
  rejectUnsupportedFeatures(source, options.paramsCredentials, options.step);
  const container = new Container();
  const logger = new StderrLogger(
    source.debug === true,
    secretsOf(source, options.paramsCredentials as Record<string, unknown> | undefined),
  );
  container.bind<Logger>(Logger).toConstantValue(logger);
  const plan = repositoryPlan(source);
  container.bind<AuthPort>(AuthPort).toConstantValue(staticCredentials(source, plan, options.paramsCredentials));
  container.bind<RegistryClientOptions>(RegistryClientOptions).toDynamicValue((context) => ({
    auth: context.get<AuthPort>(AuthPort),
    logger,
    // `insecure` is about the configured registry; the mirror shares the setting, as in Go.
    insecureRegistries: source.insecure ? [plan.origin.registry, ...(plan.mirror ? [plan.mirror.registry] : [])] : [],
    caCerts: source.ca_certs ?? [],
    pushScope: options.push,
  }));
  container.loadSync(registryClientModule);
  container.bind<HostPlatform>(HostPlatform).toConstantValue(hostPlatform());
  return container;
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
