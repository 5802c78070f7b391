import 'reflect-metadata';
import { CheckImage } from '../../application/check/check-image';
import { createCheckContainer } from '../containers/check-container';
import { resolveStepTarget } from '../containers/base-container';
import { parseCheckRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import type { Step } from '../run-entrypoint';

/** `check`: the request on stdin → the versions, oldest first. */
export const checkStep: Step = async (ctx) => {
  const request = parseCheckRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source));
  const container = createCheckContainer(request);
  const target = await resolveStepTarget(container);
  return container.get(CheckImage).run(request, target);
};
