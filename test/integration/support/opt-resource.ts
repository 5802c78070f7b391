import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './run-bin';

const exec = promisify(execFile);

/** What the image's config gives a process: PATH and nothing else (no HOME, no TTY). */
export const IMAGE_ENV = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin` };

export interface OptResource {
  /** The laid-out `/opt/resource` directory. */
  readonly opt: string;
  remove(): Promise<void>;
}

/**
 * `/opt/resource` as the image lays it out (docker/layout.mjs), from a build in a private context
 * (so the dist/ other tests run from is never rewritten), laid out apart from that context so no
 * ancestor node_modules can stand in for what `/opt/resource/node_modules` lacks.
 */
export async function layOutOptResource(name: string): Promise<OptResource> {
  const ctx = await mkdtemp(join(tmpdir(), `ri-${name}-build-`));
  const image = await mkdtemp(join(tmpdir(), `ri-${name}-image-`));
  const remove = async (): Promise<void> => {
    await rm(ctx, { recursive: true, force: true });
    await rm(image, { recursive: true, force: true });
  };
  try {
    for (const entry of ['src', 'scripts', 'node_modules', 'package.json', 'tsconfig.json']) {
      await symlink(join(REPO_ROOT, entry), join(ctx, entry));
    }
    await exec(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs')], { cwd: ctx });
    const opt = join(image, 'opt/resource');
    await exec(process.execPath, [
      join(REPO_ROOT, 'docker/layout.mjs'),
      join(ctx, 'dist'),
      opt,
      join(ctx, 'node_modules'),
    ]);
    return { opt, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a laid-out script as the kernel would (its `#!` line), the request on stdin. */
export function runScript(
  script: string,
  request: unknown,
  args: string[] = [],
  env: Record<string, string> = IMAGE_ENV,
): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(JSON.stringify(request));
  });
}
