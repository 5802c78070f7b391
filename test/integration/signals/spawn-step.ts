/**
 * Starts bin/<step> like runBin does, but hands back the child so a test can signal it mid-run.
 *
 *   spawnStep(name, request, { args, env }) → RunningStep { child, signal(sig) → Promise<SignalledStep> }
 *   SignalledStep: { code, signal, stdout, stderr, msAfterSignal }
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/run-bin';

export interface SignalledStep {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the signal to the process having exited. */
  msAfterSignal: number;
}

export interface RunningStep {
  readonly child: ChildProcessWithoutNullStreams;
  /** Output so far. */
  stderr(): string;
  /** Sends `sig`, waits for the exit (SIGKILL after 10 s, so a hung step fails the test, not the suite). */
  signal(sig: NodeJS.Signals): Promise<SignalledStep>;
  /** Waits for the exit without signalling. */
  exited(): Promise<SignalledStep>;
}

export function spawnStep(
  name: 'check' | 'in' | 'out',
  request: object,
  options: { args: string[]; env: Record<string, string> },
): RunningStep {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', name), ...options.args], {
    cwd: REPO_ROOT,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify(request));
  let signalledAt = performance.now();
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  const result = async (): Promise<SignalledStep> => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await closed.finally(() => clearTimeout(killer));
    return { code, signal, stdout, stderr, msAfterSignal: Math.round(performance.now() - signalledAt) };
  };
  return {
    child,
    stderr: () => stderr,
    signal: (sig) => {
      signalledAt = performance.now();
      child.kill(sig);
      return result();
    },
    exited: result,
  };
}
