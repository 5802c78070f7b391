/**
 * Runs the built resource scripts as Concourse does: `bin/<check|in|out> [args]`, request on stdin.
 * The scripts import `dist/<name>.mjs`, so run `npm run build` before integration tests.
 *
 *   runBin(name: 'check' | 'in' | 'out', request: object | string, options?: RunBinOptions)
 *     → Promise<{ code, stdout, stderr, json?: unknown, ms }>
 *   REPO_ROOT: absolute path of the repository root.
 *
 * RunBinOptions: { args?: string[] (e.g. [destDir]), env?: Record<string,string>, cwd?,
 *   inheritEnv?: boolean (default true: process.env + env), timeoutMs? (default 60 s) }
 * `json` is stdout parsed as JSON when it parses, else undefined.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface RunBinOptions {
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  inheritEnv?: boolean;
  timeoutMs?: number;
}

export interface RunBinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json?: unknown;
  ms: number;
}

export async function runBin(
  name: 'check' | 'in' | 'out',
  request: object | string,
  options: RunBinOptions = {},
): Promise<RunBinResult> {
  const script = join(REPO_ROOT, 'bin', name);
  const bundle = join(REPO_ROOT, 'dist', `${name}.mjs`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` before integration tests`);
  const env =
    options.inheritEnv === false
      ? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...(options.env ?? {}) }
      : { ...process.env, ...(options.env ?? {}) };
  const input = typeof request === 'string' ? request : JSON.stringify(request);
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  // A script that exits before reading stdin must not crash the test with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  const ms = Math.round(performance.now() - started);
  let json: unknown;
  try {
    json = stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  if (signal === 'SIGKILL' && ms >= timeoutMs) stderr += `\n[runBin] killed after ${timeoutMs} ms`;
  return { code, signal, stdout, stderr, json, ms };
}
