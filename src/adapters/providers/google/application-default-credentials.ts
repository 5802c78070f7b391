import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type * as GoogleAuthModule from 'google-auth-library';
import type { AuthClient, GoogleAuth } from 'google-auth-library';
import { ConfigurationError } from '../../../domain/errors';

/** The module `await import('google-auth-library')` gives: passed in, so only the provider loads it. */
export type GoogleAuthLibrary = typeof GoogleAuthModule;

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Longer than the library's own 3 s detection timeout; a bound should it ever wait for ever. */
const METADATA_PROBE_MS = 4500;

/** A client that can fetch access tokens, and where its credentials came from (for messages). */
export interface GoogleLogin {
  readonly client: AuthClient;
  readonly origin: string;
}

/**
 * Application Default Credentials in the library's order: the file GOOGLE_APPLICATION_CREDENTIALS
 * names (service-account key, external account / workload identity federation, …), the gcloud
 * ADC file, then the GCE/GKE metadata server.
 *
 * Not `GoogleAuth.getClient()`: it looks up a project ID, and without one it runs
 * `gcloud config config-helper` (half a second per step). A registry login needs no project.
 */
export async function findApplicationDefaultCredentials(
  library: GoogleAuthLibrary,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GoogleLogin> {
  const auth = new library.GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const tried: string[] = [];

  const named = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (named) return fromFile(auth, named, `GOOGLE_APPLICATION_CREDENTIALS=${named}`);
  tried.push('GOOGLE_APPLICATION_CREDENTIALS (not set)');

  const wellKnown = gcloudAdcFile(env);
  if (wellKnown && (await exists(wellKnown))) return fromFile(auth, wellKnown, `the gcloud ADC file ${wellKnown}`);
  tried.push(wellKnown ? `the gcloud ADC file ${wellKnown} (not found)` : 'the gcloud ADC file (no HOME)');

  const metadata = metadataServer(env);
  if (await metadataServerPresent(library)) {
    return { client: new library.Compute({ scopes: [CLOUD_PLATFORM_SCOPE] }), origin: metadata };
  }
  tried.push(`${metadata} (${metadataAbsence(env)})`);
  throw new ConfigurationError(`google_auth: no Google credentials found; tried ${tried.join(', ')}`);
}

/** Where `gcloud auth application-default login` writes: `$CLOUDSDK_CONFIG`, else `~/.config/gcloud`. */
export function gcloudAdcFile(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.CLOUDSDK_CONFIG || (env.HOME ? join(env.HOME, '.config', 'gcloud') : undefined);
  return dir && join(dir, 'application_default_credentials.json');
}

async function fromFile(auth: GoogleAuth, path: string, where: string): Promise<GoogleLogin> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message;
    throw new ConfigurationError(`google_auth: cannot read ${where}: ${why}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigurationError(`google_auth: ${where} is not a JSON object`);
  }
  const fields = json as Record<string, unknown>;
  try {
    // The worker's own ADC file, as GoogleAuth itself would load it (every credential type it knows).
    const client = auth.fromJSON(json as Parameters<GoogleAuth['fromJSON']>[0]);
    return { client, origin: `${kindOf(fields)} in ${where}` };
  } catch (error) {
    throw new ConfigurationError(`google_auth: unusable credentials in ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function kindOf(fields: Record<string, unknown>): string {
  switch (fields.type) {
    case 'service_account':
      return typeof fields.client_email === 'string'
        ? `the service-account key of ${fields.client_email}`
        : 'the service-account key';
    case 'external_account':
      return 'the external-account (workload identity federation) configuration';
    case 'authorized_user':
      return 'the user credentials';
    case 'impersonated_service_account':
      return 'the impersonated service-account credentials';
    default:
      return typeof fields.type === 'string' ? `the ${fields.type} credentials` : 'the credentials';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return true; // present but unreadable: reading it says why
  }
}

function metadataServer(env: NodeJS.ProcessEnv): string {
  if (env.GCE_METADATA_IP) return `the metadata server GCE_METADATA_IP=${env.GCE_METADATA_IP}`;
  if (env.GCE_METADATA_HOST) return `the metadata server GCE_METADATA_HOST=${env.GCE_METADATA_HOST}`;
  return 'the metadata server (169.254.169.254, metadata.google.internal)';
}

function metadataAbsence(env: NodeJS.ProcessEnv): string {
  const detection = env.METADATA_SERVER_DETECTION?.trim().toLowerCase();
  if (detection === 'none') return 'METADATA_SERVER_DETECTION=none';
  return 'unreachable: not on Google Cloud, or blocked';
}

/** The library's own GCE detection (BIOS, then a ping), bounded. */
async function metadataServerPresent(library: GoogleAuthLibrary): Promise<boolean> {
  const { gcpMetadata } = library;
  // Detect afresh for each step; the library caches the ping for the life of the process.
  gcpMetadata.resetIsAvailableCache();
  try {
    if (gcpMetadata.getGCPResidency()) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), METADATA_PROBE_MS);
      timer.unref();
    });
    return await Promise.race([gcpMetadata.isAvailable(), deadline]).finally(() => clearTimeout(timer));
  } catch (error) {
    // isAvailable throws only for a METADATA_SERVER_DETECTION value it does not know.
    throw new ConfigurationError(`google_auth: ${(error as Error).message}`, { cause: error });
  }
}
