import { createSignatureVerifier } from '../../adapters/verifiers/signature-verifier-factory';
import { RegistryPort } from '../../ports/registry-port';
import { SignatureVerifierPort } from '../../ports/signature-verifier-port';
import type { Container } from 'inversify';
import { CheckImage } from '../../application/check/check-image';
import { CheckSettings } from '../../application/check/check-settings';
import type { CheckRequest } from '../../application/request-types';
import { createBaseContainer } from './base-container';

/**
 * Requests `check` keeps in flight to one registry when it resolves many tags (semver and
 * `tag_regex` modes), each on its own keep-alive connection, reused for the whole run. 16 is the
 * documented bound (README, "Performance"): over a 20 ms round trip it resolves 1,000 tags in
 * about 1.3 s of network time where one connection needs 20 s, and it stays within what public
 * registries accept from one client (browsers open 6 per host over HTTP/1.1; registries throttle
 * on request rate, which the retry policy's backoff already respects).
 */
export const CHECK_LOOKUP_CONCURRENCY = 16;

/** `bin/check`: the base bindings plus the check use case. */
export function createCheckContainer(request: CheckRequest): Container {
  const container = createBaseContainer({
    source: request.source,
    push: false,
    step: 'check',
    concurrency: CHECK_LOOKUP_CONCURRENCY,
  });
  container.bind<CheckSettings>(CheckSettings).toConstantValue({ lookupConcurrency: CHECK_LOOKUP_CONCURRENCY });
  container
    .bind<SignatureVerifierPort>(SignatureVerifierPort)
    .toDynamicValue((context) => createSignatureVerifier(request.source, context.get<RegistryPort>(RegistryPort)))
    .inSingletonScope();
  container.bind(CheckImage).toSelf();
  return container;
}
