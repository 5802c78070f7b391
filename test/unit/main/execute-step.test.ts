import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeIncomplete, trackIncomplete } from '../../../src/adapters/incomplete-paths';
import { InvalidRequestError } from '../../../src/domain/errors';
import { executeStep, type Step } from '../../../src/main/run-entrypoint';
import { AuthenticationError } from '../../../src/ports/registry-errors';
import { SigningError } from '../../../src/ports/signer-port';
import { PUSHED_IMAGE } from '../../support/pushed-image';

const image = PUSHED_IMAGE;

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

  it('with trace, prints the registry failure fields (redacted) between the line and the stack', async () => {
    const fail: Step = (ctx) => {
      ctx.registerSecrets(['s3cr3t']);
      const cause = new AuthenticationError('pushing registry.test/team/app:v1 was refused', {
        method: 'PUT',
        url: 'https://bob:s3cr3t@registry.test/v2/team/app/manifests/v1?token=s3cr3t',
        status: 403,
        diagnostics: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
      });
      return Promise.reject(new SigningError('cosign', image, ['v1'], cause.message, { cause }));
    };
    const plain = await executeStep('out', fail, { stdin: '', args: [] });
    expect(plain.stderr.split('\n')).toHaveLength(2);
    const traced = await executeStep('out', fail, { stdin: '', args: [], trace: true });
    const lines = traced.stderr.split('\n');
    expect(lines[0]).toBe(plain.stderr.trimEnd());
    expect(lines[1]).toBe(
      'failure fields: AuthenticationError method=PUT url=https://registry.test/v2/team/app/manifests/v1 status=403 ' +
        'diagnostics=[{"code":"DENIED","message":"requested access to the resource is denied"}] temporary=false',
    );
    expect(traced.stderr).not.toContain('s3cr3t');
    expect(lines[2]).toMatch(/^SigningError: /);
  });

  it('with trace, prints no fields line for a failure with no registry exchange behind it', async () => {
    const traced = await executeStep('in', () => Promise.reject(new InvalidRequestError('bad')), {
      stdin: '',
      args: [],
      trace: true,
    });
    expect(traced.stderr).not.toContain('failure fields');
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
