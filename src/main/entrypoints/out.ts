import 'reflect-metadata';
import { NotImplementedError } from '../../domain/errors';
import { parseOutRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import { runEntrypoint } from '../run-entrypoint';

await runEntrypoint('out', async (ctx) => {
  const request = parseOutRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source, request.params as unknown as Record<string, unknown>));
  throw new NotImplementedError('the out step is not implemented yet');
});
