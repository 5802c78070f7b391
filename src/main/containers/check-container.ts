import { createSignatureVerifier } from '../../adapters/verifiers/signature-verifier-factory';
import { RegistryPort } from '../../ports/registry-port';
import { SignatureVerifierPort } from '../../ports/signature-verifier-port';
import type { Container } from 'inversify';
import { CheckImage } from '../../application/check/check-image';
import { CheckSettings } from '../../application/check/check-settings';
import type { CheckRequest } from '../../application/request-types';
import { createBaseContainer } from './base-container';

/** `bin/check`: the base bindings plus the check use case. */
export function createCheckContainer(request: CheckRequest): Container {
  const container = createBaseContainer({ source: request.source, push: false, step: 'check' });
  container.bind<CheckSettings>(CheckSettings).toConstantValue({ lookupConcurrency: 8 });
  container
    .bind<SignatureVerifierPort>(SignatureVerifierPort)
    .toDynamicValue((context) => createSignatureVerifier(request.source, context.get<RegistryPort>(RegistryPort)))
    .inSingletonScope();
  container.bind(CheckImage).toSelf();
  return container;
}
