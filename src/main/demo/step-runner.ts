import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type StepName = 'check' | 'in' | 'out';

export interface StepResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * The directory of `bin/check|in|out`. Bundles live in `dist/`, sources in `src/main/demo/`;
 * both are a fixed distance from the package root.
 */
export function defaultBinDir(moduleUrl: string): string {
  const here = fileURLToPath(new URL('.', moduleUrl));
  return here.replace(/[/\\](dist|src[/\\]main[/\\](demo|entrypoints))[/\\]?$/, '') + '/bin';
}

export interface RunStepOptions {
  readonly binDir: string;
  /** `in DIR` / `out DIR`; nothing for check. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Streams the step's stderr (its log) as it comes, for people watching. */
  readonly onStderr?: (text: string) => void;
}

/** Runs one step as Concourse does: the request on stdin, the response on stdout, logs on stderr. */
export function runStep(step: StepName, request: unknown, options: RunStepOptions): Promise<StepResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(options.binDir, step), ...(options.args ?? [])], {
      env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      options.onStderr?.(t);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(`${JSON.stringify(request)}\n`);
  });
}
