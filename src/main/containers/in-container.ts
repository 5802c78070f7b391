import type { Container } from 'inversify';
import { FsImageOutput } from '../../adapters/image-output/fs-image-output';
import { GetImage } from '../../application/in/get-image';
import type { InRequest } from '../../application/request-types';
import { HostPlatform } from '../../ports/host-platform';
import { ImageOutputPort } from '../../ports/image-output-port';
import { Logger } from '../../ports/logger';
import { createBaseContainer } from './base-container';

/** Node's names for the running architecture, in the OCI vocabulary. */
const ARCHITECTURES: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): HostPlatform {
  return { os: process.platform === 'win32' ? 'windows' : process.platform, architecture: ARCHITECTURES[process.arch] ?? process.arch };
}

/** Everything `bin/in` needs: the base bindings (logger, auth, registry) plus the filesystem output. */
export function createInContainer(request: InRequest): Container {
  const container = createBaseContainer({ source: request.source, paramsCredentials: request.params, push: false, step: 'in' });
  container.bind<HostPlatform>(HostPlatform).toConstantValue(hostPlatform());
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
  container.bind(GetImage).toSelf();
  return container;
}
