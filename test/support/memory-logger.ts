import type { Logger } from '../../src/ports/logger';

/** A Logger that records lines (`WARN …`, `DEBUG …`, info as is) for assertions. */
export interface MemoryLogger extends Logger {
  readonly warnings: string[];
  readonly lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const warnings: string[] = [];
  const lines: string[] = [];
  return {
    warnings,
    lines,
    debugEnabled: true,
    info: (m) => lines.push(m),
    warn: (m) => (warnings.push(m), lines.push(`WARN ${m}`)),
    debug: (m) => lines.push(`DEBUG ${m}`),
  };
}
