import 'reflect-metadata';
import { CheckImage } from '../../application/check/check-image';
import { createCheckContainer } from '../containers/check-container';
import { resolveStepTarget } from '../containers/base-container';
import { parseCheckRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import { runEntrypoint } from '../run-entrypoint';

await runEntrypoint('check', async (ctx) => {
  const request = parseCheckRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source));
  const container = createCheckContainer(request);
  const target = await resolveStepTarget(container);
  return container.get(CheckImage).run(request, target);
});
