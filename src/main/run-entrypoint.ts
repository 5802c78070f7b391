import { ResourceError } from '../domain/errors';
import { redactSecrets } from '../adapters/logging/stderr-logger';

export interface EntrypointContext {
  /** The whole request text from stdin. */
  readonly stdin: string;
  /** Command-line arguments after the script (`in DIR`, `out DIR`). */
  readonly args: readonly string[];
  /** Registers secrets found in the request, so a failure line never shows them. */
  registerSecrets(secrets: readonly string[]): void;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The Concourse script contract: request on stdin, JSON response on stdout, logs on stderr,
 * and on failure one readable line on stderr, nothing on stdout, exit code 1.
 */
export async function runEntrypoint(name: string, run: (ctx: EntrypointContext) => Promise<unknown>): Promise<void> {
  const secrets: string[] = [];
  try {
    const stdin = await readStdin();
    const result = await run({
      stdin,
      args: process.argv.slice(2),
      registerSecrets: (s) => secrets.push(...s),
    });
    await writeAndFlush(process.stdout, `${JSON.stringify(result)}\n`);
    exit(0);
  } catch (error) {
    const message = error instanceof ResourceError ? error.message : describeUnexpected(error);
    process.stderr.write(`${name}: ${oneLine(redactSecrets(message, secrets))}\n`);
    if (process.env.REGISTRY_IMAGE_TRACE === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${redactSecrets(error.stack, secrets)}\n`);
    }
    exit(1);
  }
}

function writeAndFlush(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/**
 * Exit explicitly once the response is out: keep-alive sockets or a stream a failure left open
 * must not keep Concourse waiting on a finished step.
 */
function exit(code: number): void {
  process.stderr.write('', () => process.exit(code));
}

function describeUnexpected(error: unknown): string {
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}
