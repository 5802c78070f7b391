/**
 * A server process a test starts (docker-registry, notary-server): its own process group, its
 * output collected, killed with the test process if a test crashes, and stopped with SIGTERM
 * (SIGKILL after 2 s), after which its scratch directory is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface TestDaemon {
  /** stdout and stderr so far. */
  logs(): string;
  /** Why the process is no longer running (`exited (1)`, a spawn error), or undefined while it runs. */
  ended(): string | undefined;
  /** Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test must not leave servers running on the shared machine.
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

export function spawnTestDaemon(
  binary: string,
  args: readonly string[],
  options: { readonly env: Record<string, string>; readonly dir: string },
): TestDaemon {
  installExitHook();
  const child = spawn(binary, args, { env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  let ended: string | undefined;
  const onData = (b: Buffer): void => {
    log += b.toString('utf8');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = `exited (${code ?? signal})`;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      ended = error.message;
      live.delete(child);
      resolve();
    });
  });
  let stopped = false;
  return {
    logs: () => log,
    ended: () => ended,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (ended === undefined) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
        await exitPromise;
        clearTimeout(timer);
      }
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
