/**
 * The RegistryError's facts as the user reads them: the one stderr line `check` prints when the
 * registry refuses, rate-limits or cannot be reached (a front proxy before the real registry).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, layerFromFiles, pushImage } from '../support/image-fixtures';
import { answerAlways, matching, startProxy, type RunningProxy } from '../support/http-proxy';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';

const manifests = matching({ path: /\/v2\/team\/app\/manifests\// });
const spec = (code: string, message: string): string => JSON.stringify({ errors: [{ code, message }] });

/** The line the step failed with (the last line of stderr). */
const failureLine = (stderr: string): string => stderr.trimEnd().split('\n').at(-1) ?? '';

describe('registry errors on the user stderr line', () => {
  const registry = withRegistry();
  let front: RunningProxy | undefined;

  beforeAll(async () => {
    await pushImage(
      registry.get(),
      'team/app',
      'v1',
      buildImage({ layers: [layerFromFiles([{ path: 'a', content: 'a' }])] }),
    );
  });
  afterEach(async () => {
    await front?.stop();
    front = undefined;
  });

  it('a refusal names the status and the diagnostics', async () => {
    front = await startProxy(
      registry.get().url,
      answerAlways(manifests, { status: 403, body: spec('DENIED', 'requested access to the resource is denied') }),
    );
    const result = await runBin('check', { source: { repository: `${front.host}/team/app`, tag: 'v1' } });
    expect(result.code).not.toBe(0);
    expect(failureLine(result.stderr)).toBe(
      `check: authentication failed for ${front.host}/team/app (anonymous): HTTP 403 DENIED: requested access to the resource is denied`,
    );
  });

  it('a temporary answer says so: the wait it asked for, beyond the retry budget', async () => {
    front = await startProxy(
      registry.get().url,
      answerAlways(manifests, {
        status: 429,
        headers: { 'Retry-After': '3600' },
        body: spec('TOOMANYREQUESTS', 'slow down'),
      }),
    );
    const result = await runBin('check', { source: { repository: `${front.host}/team/app`, tag: 'v1' } });
    expect(result.code).not.toBe(0);
    expect(failureLine(result.stderr)).toMatch(
      new RegExp(
        `^check: fetching manifest v1 of ${front.host}/team/app failed: HTTP 429 \\(TOOMANYREQUESTS: slow down\\); the rate limit resets at \\S+Z \\(in 3600 s\\), beyond the retry budget \\(\\S+ left\\)$`,
      ),
    );
  });

  it('a registry nobody answers for is named with the URL tried and the kind of failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runBin('check', { source: { repository: `127.0.0.1:${port}/team/app`, tag: 'v1' } });
    expect(result.code).not.toBe(0);
    expect(failureLine(result.stderr)).toMatch(
      new RegExp(
        `^check: cannot reach registry 127\\.0\\.0\\.1:${port} at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  });
});
