import 'reflect-metadata';
import { NotImplementedError } from '../../domain/errors';
import { parseInRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import { runEntrypoint } from '../run-entrypoint';

await runEntrypoint('in', async (ctx) => {
  const request = parseInRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source, request.params as unknown as Record<string, unknown>));
  throw new NotImplementedError('the in step is not implemented yet');
});
