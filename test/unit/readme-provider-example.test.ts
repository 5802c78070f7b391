import 'reflect-metadata';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ProviderChain } from '../../src/adapters/providers/provider-chain';
import { StaticCredentialsProvider } from '../../src/adapters/providers/static-credentials-provider';
import { configuredTarget } from '../../src/application/mirror-plan';
import type { RegistryProvider } from '../../src/ports/registry-provider';
import { memoryLogger } from '../support/memory-logger';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The README's adapter block, with its imports pointed at src/ from wherever it is written. */
function exampleSource(): string {
  const section = readme.slice(readme.indexOf('## Adding a registry provider'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no ts block in "Adding a registry provider"');
  const code = block.replace(/^ {3}/gm, '');
  const src = new URL('src/adapters/providers/', root).pathname;
  return code.replace(/from '(\.\.\/\.\.\/[^']+)'/g, (_m, rel: string) => `from '${join(src, rel)}'`);
}

// Under the project's node_modules, so the example resolves inversify as src/ does.
const cache = new URL('node_modules/.cache/', root).pathname;
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(cache, 'readme-provider-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README: the worked provider example', () => {
  it('compiles and supplies the token file to the repository registry, re-read on renewal', async () => {
    const file = join(work, 'token-file-provider.ts');
    writeFileSync(file, exampleSource());
    // Type-check it with the project's own compiler settings, as `npm test` checks src/.
    const config = ts.getParsedCommandLineOfConfigFile(
      new URL('tsconfig.json', root).pathname,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => {},
      },
    );
    const program = ts.createProgram([file], { ...config?.options, noEmit: true });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
    const { TokenFileProvider } = (await import(file)) as { TokenFileProvider: new () => RegistryProvider };
    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, 'first-token\n');
    process.env.REGISTRY_TOKEN_FILE = tokenFile;
    try {
      const source = { repository: 'registry.test/team/app' };
      const providers = [new StaticCredentialsProvider(), new TokenFileProvider()];
      const chain = new ProviderChain(
        providers,
        { source, step: 'check', target: configuredTarget(source) },
        memoryLogger(),
      );
      expect(await chain.credentialsFor('registry.test')).toEqual({
        kind: 'basic',
        username: 'token',
        password: 'first-token',
      });
      writeFileSync(tokenFile, 'rotated-token\n');
      expect(await chain.renew('registry.test')).toMatchObject({ password: 'rotated-token' });
      rmSync(tokenFile);
      process.env.REGISTRY_TOKEN_FILE = tokenFile;
      const broken = new TokenFileProvider();
      const grant = await broken.resolve(
        { source, step: 'check', target: configuredTarget(source) },
        configuredTarget(source),
      );
      await expect(grant.credentials[0]?.source.current()).rejects.toThrow(
        `reading the registry token from ${tokenFile} failed`,
      );
    } finally {
      delete process.env.REGISTRY_TOKEN_FILE;
    }
  });
});
