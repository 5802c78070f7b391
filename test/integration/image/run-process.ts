/**
 * Runs a program with a request on stdin and only the environment given (nothing inherited),
 * as Concourse runs a resource script.
 *
 *   runProcess(command, args, { input?, env?, cwd?, timeoutMs? }) → { code, stdout, stderr, json, ms }
 */
import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  input?: object | string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
  ms: number;
}

export async function runProcess(
  command: string,
  args: string[],
  options: RunProcessOptions = {},
): Promise<RunProcessResult> {
  const started = performance.now();
  const child = spawn(command, args, {
    env: options.env ?? {},
    cwd: options.cwd ?? '/',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdin.on('error', () => undefined);
  const input = options.input ?? '';
  child.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  let json: unknown;
  try {
    json = stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json, ms: Math.round(performance.now() - started) };
}
