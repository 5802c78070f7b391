import type { RepositoryRef } from '../domain/image-reference';
import type { AwsConfig, BasicCredentialsConfig, Source } from '../application/request-types';
import type { Credentials } from './auth-port';

export const RegistryProvider = Symbol('RegistryProvider');
export const ProviderRequest = Symbol('ProviderRequest');

/**
 * The repository a step works on once every provider has run. Use cases take it as given and
 * never parse `source.repository` themselves.
 */
export interface StepTarget {
  /** What the `repository` file and metadata show: `source.repository`, or a provider's rewrite (ECR). */
  readonly name: string;
  readonly origin: RepositoryRef;
  /** A Docker Hub mirror tried before the origin. */
  readonly mirror?: RepositoryRef;
}

/** What a provider may look at: the request as parsed, and which step asks. */
export interface ProviderRequest {
  readonly source: Source;
  /** `params.username/password` (and `aws_*`) of in/out, which override the source's for that step. */
  readonly params?: BasicCredentialsConfig & AwsConfig;
  readonly step: 'check' | 'in' | 'out';
  /** The target as configured, before any provider ran. */
  readonly target: StepTarget;
}

/** Credentials that may be short-lived: fetched once per step, renewed at most once after a 401. */
export interface CredentialSource {
  current(): Promise<Credentials>;
  /** Fresh credentials after the registry refused `current()`'s; `undefined` when nothing new can be had. */
  renew?(): Promise<Credentials | undefined>;
}

export interface ProviderGrant {
  /** A rewritten target (a provider that knows the real registry host, as ECR does). */
  readonly target?: StepTarget;
  /** Credentials for the registry hosts this provider owns; every other host is not its business. */
  readonly credentials: ReadonlyArray<{ readonly registry: string; readonly source: CredentialSource }>;
}

/**
 * A registry provider: switched on by some request fields, it resolves once per step, before the
 * use case runs, the target and the credentials for the hosts it owns (go-containerregistry's
 * keychains, one per provider, asked in turn). Challenges, tokens, TLS and retries stay in the
 * registry client.
 *
 * `cloud` providers (Google, ECR, ACR) exclude one another; `credentials` providers (static
 * username/password, the mirror's) combine with anything. For a host several providers claim,
 * the cloud provider wins, then the order of binding.
 */
export interface RegistryProvider {
  /** For messages and debug lines: "Google", "ECR". */
  readonly name: string;
  readonly kind: 'cloud' | 'credentials';
  /** The request fields that switch it on (`source.google_auth`); empty when it is off. */
  switchedOnBy(request: ProviderRequest): readonly string[];
  /** Called once per step, only when switched on; `target` includes any earlier rewrite. */
  resolve(request: ProviderRequest, target: StepTarget): Promise<ProviderGrant>;
}
