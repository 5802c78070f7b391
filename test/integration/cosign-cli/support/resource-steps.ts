/**
 * The resource's `out`, `check` and `in` against one test registry, for the cosign CLI tests:
 *
 *   const steps = new ResourceSteps(registry, scratch, { ca_certs?: [...] })
 *   await steps.out(repo, tag, seed, { cosign? }) → { digest, result }
 *   await steps.put(repo, tag, seed, { cosign? }) → the pushed digest (fails the test on a non-zero exit)
 *   await steps.check(repo, source)                → RunBinResult
 *   await steps.get(repo, digest, source, params?) → { dest, result }
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { randomImage } from '../../support/image-fixtures';
import type { RunningRegistry } from '../../support/registry-server';
import { runBin, type RunBinResult } from '../../support/run-bin';
import { layoutEntries, writeEntriesToDir } from '../../../unit/adapters/image-input/layout-fixtures';

export class ResourceSteps {
  constructor(
    private readonly registry: () => RunningRegistry,
    private readonly scratch: string,
    private readonly common: Record<string, unknown> = {},
  ) {}

  repository(repo: string): string {
    return `${this.registry().host}/${repo}`;
  }

  /** `out` of a fresh one-layer OCI image (its digest follows from `seed`) under `tag`. */
  async out(
    repo: string,
    tag: string,
    seed: string,
    source: Record<string, unknown> = {},
  ): Promise<{ digest: string; result: RunBinResult }> {
    const root = randomImage(seed, { mediaTypes: 'oci' });
    const dir = mkdtempSync(join(this.scratch, `${seed}-`));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(root));
    writeFileSync(join(dir, 'image', 'single-image-digest'), root.digest);
    const result = await runBin(
      'out',
      { source: { repository: this.repository(repo), tag, ...this.common, ...source }, params: { image: 'image' } },
      { args: [dir] },
    );
    return { digest: root.digest, result };
  }

  /** `out` that must succeed; returns the pushed digest. */
  async put(repo: string, tag: string, seed: string, source: Record<string, unknown> = {}): Promise<string> {
    const { digest, result } = await this.out(repo, tag, seed, source);
    expect(result.code, result.stderr).toBe(0);
    expect((result.json as { version: { digest: string } }).version.digest).toBe(digest);
    return digest;
  }

  check(repo: string, source: Record<string, unknown>): Promise<RunBinResult> {
    return runBin('check', { source: { repository: this.repository(repo), ...this.common, ...source } });
  }

  get(
    repo: string,
    digest: string,
    source: Record<string, unknown>,
    params: Record<string, unknown> = {},
  ): { dest: string; result: Promise<RunBinResult> } {
    const dest = mkdtempSync(join(this.scratch, 'dest-'));
    const request = {
      source: { repository: this.repository(repo), ...this.common, ...source },
      version: { digest },
      params,
    };
    return { dest, result: runBin('in', request, { args: [dest] }) };
  }
}
