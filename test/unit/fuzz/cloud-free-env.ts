/**
 * An environment in which no credential provider can reach a cloud: no AWS/Google/Azure
 * variables, metadata endpoints pointed at a closed loopback port, no proxy.
 *
 *   cloudFreeEnv(base) → a copy of `base` with all that removed or overridden
 *   withCloudFreeEnv() → registers vitest beforeAll/afterAll that apply it to process.env (in-process steps)
 */
import { afterAll, beforeAll } from 'vitest';

const DROPPED =
  /^(AWS_|GOOGLE_|GCLOUD_|CLOUDSDK_|AZURE_|MSI_|IDENTITY_|IMDS_|ACTIONS_ID_TOKEN)|^(HTTPS?_PROXY|NO_PROXY|ALL_PROXY)$/i;

export const CLOUD_FREE_OVERRIDES: Record<string, string> = {
  AWS_EC2_METADATA_DISABLED: 'true',
  GCE_METADATA_HOST: '127.0.0.1:1',
  GCE_METADATA_IP: '127.0.0.1:1',
  METADATA_SERVER_DETECTION: 'none',
  AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:1',
  // Go's test hook: the first retry interval of in/out is 5 ms, not 5 s.
  TEST: 'true',
};

export function cloudFreeEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && !DROPPED.test(name)) env[name] = value;
  return { ...env, ...CLOUD_FREE_OVERRIDES };
}

export function withCloudFreeEnv(): void {
  let saved: NodeJS.ProcessEnv = {};
  beforeAll(() => {
    saved = { ...process.env };
    const clean = cloudFreeEnv(process.env);
    for (const name of Object.keys(process.env)) if (!(name in clean)) delete process.env[name];
    Object.assign(process.env, clean);
  });
  afterAll(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });
}
