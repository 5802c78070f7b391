import { type Container } from 'inversify';
import { FsImageInputs } from '../../adapters/image-input/fs-image-inputs';
import { PutImage } from '../../application/out/put-image';
import type { OutRequest } from '../../application/request-types';
import { ImageInputPort } from '../../ports/image-input-port';
import { createBaseContainer } from './base-container';

/** Everything `bin/out` needs: the base bindings (logger, auth, registry with push scope) plus the image inputs. */
export function createOutContainer(request: OutRequest): Container {
  const container = createBaseContainer({
    source: request.source,
    paramsCredentials: request.params,
    push: true,
    step: 'out',
  });
  container.bind<ImageInputPort>(ImageInputPort).to(FsImageInputs).inSingletonScope();
  container.bind(PutImage).toSelf();
  return container;
}
