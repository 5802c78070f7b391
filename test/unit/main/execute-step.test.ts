import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeIncomplete, trackIncomplete } from '../../../src/adapters/incomplete-paths';
import { InvalidRequestError } from '../../../src/domain/errors';
import { executeStep } from '../../../src/main/run-entrypoint';

describe('executeStep (the entrypoint contract, in-process)', () => {
  it('prints the response as one JSON line on stdout and exits 0', async () => {
    const outcome = await executeStep('check', async (ctx) => [{ digest: ctx.stdin, arg: ctx.args[0] }], {
      stdin: 'sha256:x',
      args: ['/dest'],
    });
    expect(outcome).toEqual({ code: 0, stdout: '[{"digest":"sha256:x","arg":"/dest"}]\n', stderr: '' });
  });

  it('turns a ResourceError into one line named after the step, with registered secrets redacted', async () => {
    const outcome = await executeStep(
      'in',
      async (ctx) => {
        ctx.registerSecrets(['hunter22']);
        throw new InvalidRequestError('bad password hunter22\n  on two lines');
      },
      { stdin: '', args: [] },
    );
    expect(outcome).toEqual({ code: 1, stdout: '', stderr: 'in: bad password *** on two lines\n' });
  });

  it('labels anything else as unexpected, still one line; the stack only with trace', async () => {
    const fail = async (): Promise<never> => {
      throw new TypeError('x is not a function');
    };
    const plain = await executeStep('out', fail, { stdin: '', args: [] });
    expect(plain).toEqual({ code: 1, stdout: '', stderr: 'out: unexpected error: x is not a function\n' });
    const traced = await executeStep('out', fail, { stdin: '', args: [], trace: true });
    expect(traced.stderr.split('\n')[0]).toBe('out: unexpected error: x is not a function');
    expect(traced.stderr).toMatch(/^\s+at /m);
  });
});

describe('incomplete paths', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('removes what is still listed, and leaves what was finished', () => {
    dir = mkdtempSync(join(tmpdir(), 'incomplete-'));
    const spool = join(dir, '.spool-1');
    mkdirSync(spool);
    writeFileSync(join(spool, '0'), 'layer');
    const finishedFile = join(dir, 'image.tar');
    writeFileSync(finishedFile, 'tar');
    trackIncomplete(spool);
    trackIncomplete(finishedFile)();
    removeIncomplete();
    expect(existsSync(spool)).toBe(false);
    expect(existsSync(finishedFile)).toBe(true);
  });
});
