import { createSignatureVerifier } from '../../adapters/verifiers/signature-verifier-factory';
import { RegistryPort } from '../../ports/registry-port';
import { SignatureVerifierPort } from '../../ports/signature-verifier-port';
import type { Container } from 'inversify';
import { NodeFilesystem } from '../../adapters/filesystem/node-filesystem';
import { FsImageOutput } from '../../adapters/image-output/fs-image-output';
import { GetImage } from '../../application/in/get-image';
import type { InRequest } from '../../application/request-types';
import { FilesystemPort } from '../../ports/filesystem-port';
import { ImageOutputPort } from '../../ports/image-output-port';
import { Logger } from '../../ports/logger';
import { createBaseContainer } from './base-container';

/** Everything `bin/in` needs: the base bindings (logger, auth, registry) plus the local directory and the image output. */
export function createInContainer(request: InRequest): Container {
  const container = createBaseContainer({
    source: request.source,
    paramsCredentials: request.params,
    push: false,
    step: 'in',
  });
  container.bind<FilesystemPort>(FilesystemPort).to(NodeFilesystem).inSingletonScope();
  container
    .bind<ImageOutputPort>(ImageOutputPort)
    .toDynamicValue((context) => {
      const logger = context.get<Logger>(Logger);
      return new FsImageOutput(logger, {
        progressSink: process.stderr,
        chown: process.getuid?.() === 0,
      });
    })
    .inSingletonScope();
  container
    .bind<SignatureVerifierPort>(SignatureVerifierPort)
    .toDynamicValue((context) => createSignatureVerifier(request.source, context.get<RegistryPort>(RegistryPort)))
    .inSingletonScope();
  container.bind(GetImage).toSelf();
  return container;
}
