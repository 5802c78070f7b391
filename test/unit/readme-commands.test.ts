import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const ci = readFileSync(new URL('.ci/run', root), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };

describe('README commands', () => {
  it('names the demo and the test commands, and both exist as npm scripts', () => {
    expect(readme).toMatch(/^npm run demo\b/m);
    expect(readme).toMatch(/^npm test\b/m);
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });

  it('is what CI runs after installing', () => {
    const lines = ci.split('\n').map((l) => l.trim());
    expect(lines).toContain('npm ci --no-audit --no-fund');
    expect(lines.at(-2) === 'npm test' || lines.includes('npm test')).toBe(true);
  });
});
