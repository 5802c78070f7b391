import { type Container } from 'inversify';
import { DistributionRegistry } from '../../adapters/registry/registry-client';
import { NodeFilesystem } from '../../adapters/filesystem/node-filesystem';
import { FsImageInputs } from '../../adapters/image-input/fs-image-inputs';
import { composeSigners } from '../../adapters/signers/composite-signer';
import { createCosignSigner } from '../../adapters/signers/cosign/cosign-signer';
import { createNotarySigner } from '../../adapters/signers/notary/notary-signer';
import { PutImage } from '../../application/out/put-image';
import type { OutRequest } from '../../application/request-types';
import { FilesystemPort } from '../../ports/filesystem-port';
import { ImageInputPort } from '../../ports/image-input-port';
import { Logger } from '../../ports/logger';
import { RegistryPort } from '../../ports/registry-port';
import { ConfiguredSigner, SignerPort } from '../../ports/signer-port';
import { createBaseContainer } from './base-container';

/** Everything `bin/out` needs: the base bindings (logger, auth, registry with push scope) plus the local directory and the image inputs. */
export function createOutContainer(request: OutRequest): Container {
  const container = createBaseContainer({
    source: request.source,
    paramsCredentials: request.params,
    push: true,
    step: 'out',
  });
  container.bind<FilesystemPort>(FilesystemPort).to(NodeFilesystem).inSingletonScope();
  container.bind<ImageInputPort>(ImageInputPort).to(FsImageInputs).inSingletonScope();
  // One binding per configured signer; SignerPort signs with all of them (none: a no-op).
  const { source } = request;
  if (source.content_trust) {
    container
      .bind<SignerPort>(ConfiguredSigner)
      .toDynamicValue((context) => createNotarySigner(source, context.get<Logger>(Logger)))
      .inSingletonScope();
  }
  if (source.cosign) {
    container
      .bind<SignerPort>(ConfiguredSigner)
      .toDynamicValue((context) =>
        createCosignSigner(
          source,
          context.get<RegistryPort>(RegistryPort),
          context.get<Logger>(Logger),
          context.get(DistributionRegistry),
        ),
      )
      .inSingletonScope();
  }
  container
    .bind<SignerPort>(SignerPort)
    .toDynamicValue((context) => composeSigners(context.getAll<SignerPort>(ConfiguredSigner, { optional: true })))
    .inSingletonScope();
  container.bind(PutImage).toSelf();
  return container;
}
