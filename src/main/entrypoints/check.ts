import 'reflect-metadata';
import { NotImplementedError } from '../../domain/errors';
import { parseCheckRequest } from '../request/request-schema';
import { secretsOf } from '../secrets';
import { runEntrypoint } from '../run-entrypoint';

await runEntrypoint('check', async (ctx) => {
  const request = parseCheckRequest(ctx.stdin);
  ctx.registerSecrets(secretsOf(request.source));
  throw new NotImplementedError('check is not implemented yet');
});
