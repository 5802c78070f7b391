import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('./fixtures', import.meta.url));

/** A fixture file's exact bytes (see fixtures/README.md for where each one comes from). */
export function fixture(name: string): Buffer {
  return readFileSync(join(DIR, name));
}

export const TARGETS_KEY_ID = 'b864818ab08b09e4528cc4813a35165d111c2d81f5ae35c4c59cb8754c0bc662';
export const DELEGATION_KEY_ID = '4e7403b5edddee65cd1d69611ff29c35df7ab451f69cf1ec90b881dfa47f20b7';
