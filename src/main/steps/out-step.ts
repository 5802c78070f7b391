import 'reflect-metadata';
import { PutImage } from '../../application/out/put-image';
import { InvalidRequestError } from '../../domain/errors';
import { createOutContainer } from '../containers/out-container';
import { resolveStepTarget } from '../containers/base-container';
import { parseOutRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import type { Step } from '../run-entrypoint';

/** `out SRC`: push the image found under SRC. */
export const outStep: Step = async (ctx) => {
  const request = parseOutRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source, request.params as unknown as Record<string, unknown>));
  const src = ctx.args[0];
  if (!src) throw new InvalidRequestError('source directory not specified: usage `out SRC`');
  const container = createOutContainer(request);
  const target = await resolveStepTarget(container);
  return container.get(PutImage).execute(request, src, target);
};
