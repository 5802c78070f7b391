import { rmSync } from 'node:fs';

/**
 * Files and directories a step is still writing: spooled layers, a partial image.tar or rootfs.
 * A step that is aborted (SIGTERM from Concourse) never reaches its `finally`, so the entrypoint
 * removes whatever is still listed here before it exits. Process-wide on purpose: one step per process.
 */
const incomplete = new Set<string>();

/** Lists `path` as incomplete; call the returned function once it is finished or removed. */
export function trackIncomplete(path: string): () => void {
  incomplete.add(path);
  return () => void incomplete.delete(path);
}

/** Removes every path still listed, synchronously (signal handlers cannot wait). */
export function removeIncomplete(): void {
  for (const path of incomplete) {
    try {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort: the process is exiting; a path we cannot remove is no reason to hang
    }
  }
  incomplete.clear();
}
