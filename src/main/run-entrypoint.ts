import { constants } from 'node:os';
import { redactSecrets } from '../adapters/logging/stderr-logger';
import { removeIncomplete } from '../adapters/incomplete-paths';
import { renderFailure, renderFailureFields } from './render-failure';

export interface EntrypointContext {
  /** The whole request text from stdin. */
  readonly stdin: string;
  /** Command-line arguments after the script (`in DIR`, `out DIR`). */
  readonly args: readonly string[];
  /** Registers secrets found in the request, so a failure line never shows them. */
  registerSecrets(secrets: readonly string[]): void;
}

/** What a step does with its request: the response to print, or a thrown error. */
export type Step = (ctx: EntrypointContext) => Promise<unknown>;

/** The process-facing result of one step: what goes to stdout and stderr, and the exit code. */
export interface StepOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The Concourse script contract without the process: the JSON response on stdout and exit 0,
 * or one readable line on stderr, nothing on stdout and exit 1. `trace` adds the registry
 * failure's fields and the stack after that line (REGISTRY_IMAGE_TRACE=1). Never throws; tests call it in-process.
 */
export async function executeStep(
  name: string,
  step: Step,
  input: { readonly stdin: string; readonly args: readonly string[]; readonly trace?: boolean },
): Promise<StepOutcome> {
  const secrets: string[] = [];
  try {
    const result = await step({
      stdin: input.stdin,
      args: input.args,
      registerSecrets: (s) => secrets.push(...s),
    });
    return { code: 0, stdout: `${JSON.stringify(result)}\n`, stderr: '' };
  } catch (error) {
    let stderr = `${name}: ${renderFailure(error, secrets)}\n`;
    if (input.trace === true) {
      const fields = renderFailureFields(error, secrets);
      if (fields !== undefined) stderr += `${fields}\n`;
      if (error instanceof Error && error.stack) stderr += `${redactSecrets(error.stack, secrets)}\n`;
    }
    return { code: 1, stdout: '', stderr };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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

const ABORT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Concourse aborts a build with SIGTERM (SIGKILL after a grace period). The step stops at once:
 * whatever it was still writing (spooled layers, a partial image.tar or rootfs) is removed, one
 * line says so, and the exit code is 128 + the signal's number. Uploads simply stop: `out` pushes
 * its tags last, so no tag can point at an image that is not complete.
 */
function exitOnAbort(name: string): void {
  for (const signal of ABORT_SIGNALS) {
    process.once(signal, () => {
      removeIncomplete();
      process.stderr.write(`${name}: aborted by ${signal}\n`);
      exit(128 + constants.signals[signal]);
    });
  }
}

/** The real process around `executeStep`: stdin, argv, stdout/stderr, the exit code and signals. */
export async function runEntrypoint(name: string, step: Step): Promise<void> {
  exitOnAbort(name);
  const trace = process.env.REGISTRY_IMAGE_TRACE === '1';
  let stdin: string;
  try {
    stdin = await readStdin();
  } catch (error) {
    process.stderr.write(`${name}: reading the request from stdin: ${renderFailure(error)}\n`);
    exit(1);
    return;
  }
  const outcome = await executeStep(name, step, {
    stdin,
    args: process.argv.slice(2),
    trace,
  });
  if (outcome.stdout !== '') await writeAndFlush(process.stdout, outcome.stdout);
  if (outcome.stderr !== '') process.stderr.write(outcome.stderr);
  exit(outcome.code);
}
