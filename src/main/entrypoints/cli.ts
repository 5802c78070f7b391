import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { redactSecrets } from '../../adapters/logging/stderr-logger';
import type { Source } from '../../application/request-types';
import { CLI_USAGE, CliUsageError, parseCliArguments } from '../demo/cli-request';
import { defaultBinDir, runStep } from '../demo/step-runner';
import { secretsOf } from '../secrets';

/**
 * `registry-image check|in|out`: reproduce a Concourse step locally. It spawns the real
 * bin/check|in|out rather than calling their code in-process, so the run is the exact
 * process contract Concourse uses (fresh process, stdin request, stdout response, exit code)
 * and nothing of the CLI's own state can make it behave differently.
 */

function readInput(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

function shown(request: Record<string, unknown>): string {
  const secrets = secretsOf(
    request.source as Partial<Source> | undefined,
    request.params as Record<string, unknown> | undefined,
  );
  return redactSecrets(JSON.stringify(request, null, 2), secrets);
}

async function main(argv: readonly string[]): Promise<number> {
  let invocation;
  try {
    invocation = parseCliArguments(argv, readInput);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`registry-image: ${error.message}\n(see registry-image --help)\n`);
    return 2;
  }
  if (invocation === 'help') {
    process.stdout.write(`${CLI_USAGE}\n`);
    return 0;
  }
  if (invocation.dryRun) {
    process.stdout.write(`${shown(invocation.request)}\n`);
    return 0;
  }
  if (invocation.printRequest)
    process.stderr.write(`request for bin/${invocation.command}:\n${shown(invocation.request)}\n`);
  const binDir = process.env.REGISTRY_IMAGE_BIN_DIR ?? defaultBinDir(import.meta.url);
  const result = await runStep(invocation.command, invocation.request, {
    binDir,
    args: invocation.dir !== undefined ? [resolve(invocation.dir)] : [],
    env: process.env,
    onStderr: (text) => process.stderr.write(text),
  });
  process.stdout.write(result.stdout);
  return result.exitCode;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`registry-image: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
