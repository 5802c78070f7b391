import 'reflect-metadata';
import { resolve } from 'node:path';
import { GetImage } from '../../application/in/get-image';
import { InvalidRequestError } from '../../domain/errors';
import { createInContainer } from '../containers/in-container';
import { resolveStepTarget } from '../containers/base-container';
import { parseInRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import type { Step } from '../run-entrypoint';

/** `in DEST`: fetch the requested version into DEST. */
export const inStep: Step = async (ctx) => {
  const request = parseInRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source, request.params as unknown as Record<string, unknown>));
  const dest = ctx.args[0];
  if (!dest) throw new InvalidRequestError('destination directory not specified: usage `in DEST`');
  const container = createInContainer(request);
  const target = await resolveStepTarget(container);
  return container.get(GetImage).run(request, resolve(dest), target);
};
