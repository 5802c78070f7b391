import { runEntrypoint } from '../run-entrypoint';
import { outStep } from '../steps/out-step';

await runEntrypoint('out', outStep);
