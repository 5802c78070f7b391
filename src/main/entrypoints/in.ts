import { runEntrypoint } from '../run-entrypoint';
import { inStep } from '../steps/in-step';

await runEntrypoint('in', inStep);
