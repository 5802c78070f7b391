import { runEntrypoint } from '../run-entrypoint';
import { checkStep } from '../steps/check-step';

await runEntrypoint('check', checkStep);
