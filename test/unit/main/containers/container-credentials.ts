/**
 * What the entrypoint container tests share: a fake metadata server selected through
 * GCE_METADATA_HOST (so google_auth resolves without leaving 127.0.0.1), and a probe that runs
 * `resolveStepTarget` and asks the container's AuthPort for the origin's credentials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import { resolveStepTarget } from '../../../../src/main/containers/base-container';
import { AuthPort, type Credentials } from '../../../../src/ports/auth-port';
import type { StepTarget } from '../../../../src/ports/registry-provider';
import {
  startFakeMetadataServer,
  type FakeMetadataServer,
} from '../../../integration/google/fakes/fake-metadata-server';

export const GOOGLE_TOKEN = 'ya29.container-test';

/** Starts the fake for the file and points ADC at it (no key file, no gcloud ADC file). */
export function withGoogleMetadata(): { get(): FakeMetadataServer } {
  let metadata: FakeMetadataServer | undefined;
  let dir = '';
  beforeAll(async () => {
    metadata = await startFakeMetadataServer({ token: GOOGLE_TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'container-google-'));
  });
  afterAll(async () => {
    await metadata?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
    vi.stubEnv('CLOUDSDK_CONFIG', dir);
    vi.stubEnv('GCE_METADATA_HOST', metadata?.host ?? '');
    return () => vi.unstubAllEnvs();
  });
  return {
    get: () => {
      if (!metadata) throw new Error('metadata fake not started');
      return metadata;
    },
  };
}

export async function resolvedCredentials(
  container: Container,
): Promise<{ target: StepTarget; credentials: Credentials | undefined }> {
  const target = await resolveStepTarget(container);
  const credentials = await container.get<AuthPort>(AuthPort).credentialsFor(target.origin.registry);
  return { target, credentials };
}
