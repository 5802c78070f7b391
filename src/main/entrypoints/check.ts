import 'reflect-metadata';
import { CheckImage } from '../../application/check/check-image';
import { createCheckContainer } from '../containers/check-container';
import { parseCheckRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import { runEntrypoint } from '../run-entrypoint';

await runEntrypoint('check', async (ctx) => {
  const request = parseCheckRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source));
  return createCheckContainer(request).get(CheckImage).run(request);
});
