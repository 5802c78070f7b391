import { defineConfig } from 'vitest/config';

export default defineConfig({
  // inversify's parameter decorators need the legacy (TypeScript experimental) decorator transform.
  oxc: { decorator: { legacy: true } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real registries; two cores only, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
