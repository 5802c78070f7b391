/**
 * What signing costs `out`: the same push, five times each, with and without content_trust
 * (median, after one warm-up run each, so blobs already exist in both cases). Printed for the
 * README and bounded so a regression (e.g. a retry loop or a slow key derivation) shows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { layoutEntries, writeEntriesToDir } from '../../unit/adapters/image-input/layout-fixtures';
import { initCollection, PASSPHRASES } from './support/notary-cli';
import { startNotaryServer, type RunningNotary } from './support/notary-server';

const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('the time signing adds to out', () => {
  const registry = withRegistry();
  let notary: RunningNotary;
  let dir: string;
  beforeAll(async () => {
    notary = await startNotaryServer();
    dir = mkdtempSync(join(tmpdir(), 'notary-timing-'));
    writeEntriesToDir(join(dir, 'image'), layoutEntries(randomImage('timing', { mediaTypes: 'oci', layers: 2 })));
  });
  afterAll(async () => {
    await notary?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`median of ${RUNS}: with content_trust vs without`, async () => {
    const repository = `${registry.get().host}/timing/app`;
    const collection = await initCollection(notary, repository);
    const contentTrust = {
      server: notary.url,
      repository_key_id: collection.targetsKeyId,
      repository_key: collection.targetsKeyPem,
      repository_passphrase: PASSPHRASES.targets,
    };
    const run = async (signed: boolean, tag: string): Promise<number> => {
      const source = { repository, tag, ...(signed ? { content_trust: contentTrust } : {}) };
      const result = await runBin('out', { source, params: { image: 'image' } }, { args: [dir] });
      expect(result.code, result.stderr).toBe(0);
      return result.ms;
    };
    await run(false, 'warm-plain');
    await run(true, 'warm-signed');
    const plain: number[] = [];
    const signed: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(await run(false, `plain-${i}`));
      signed.push(await run(true, `signed-${i}`));
    }
    const added = median(signed) - median(plain);
    console.log(
      `out without content_trust: median ${median(plain)} ms ${JSON.stringify(plain)}; with: median ${median(signed)} ms ${JSON.stringify(signed)}; signing adds ${added} ms`,
    );
    expect(added).toBeLessThan(2000);
  }, 120_000);
});
