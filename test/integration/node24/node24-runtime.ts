/**
 * The Node version the image ships (scripts/image/node-runtime.mjs pins it), fetched from the npm
 * registry into node_modules/.cache on first use. Throws, naming why, when it cannot be had: the
 * tests that need it fail rather than skip.
 *
 *   shippedNode() → Promise<{ node: string (path of the binary), version: 'v24.…' }>
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/run-bin';

const exec = promisify(execFile);

export async function shippedNode(): Promise<{ node: string; version: string }> {
  let stdout: string;
  try {
    ({ stdout } = await exec(process.execPath, [join(REPO_ROOT, 'scripts/image/node-runtime.mjs')]));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`the shipped Node could not be fetched: ${stderr || (error as Error).message}`);
  }
  const node = stdout.trim();
  const version = (await exec(node, ['--version'])).stdout.trim();
  return { node, version };
}
