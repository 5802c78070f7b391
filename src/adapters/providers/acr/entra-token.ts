import { existsSync } from 'node:fs';
import type * as AzureIdentity from '@azure/identity';
import { ConfigurationError } from '../../../domain/errors';
import type { AzureCloud } from './azure-cloud';
import { AuthenticationError } from '../../../ports/registry-errors';

export interface EntraTokenRequest {
  readonly cloud: AzureCloud;
  /** `azure_client_id`: a user-assigned identity; absent: the system-assigned one (or AZURE_CLIENT_ID for workload identity). */
  readonly clientId?: string;
}

export interface EntraToken {
  readonly token: string;
  /** Which identity answered, for the debug line: "workload identity (client ID …, tenant …)". */
  readonly identity: string;
}

/** Where the step gets an Entra ID access token for the cloud's management scope. */
export interface EntraTokens {
  /** A fresh token each call (renewal asks again); throws an AuthenticationError or ConfigurationError when no identity answers. */
  token(request: EntraTokenRequest): Promise<EntraToken>;
}

/** A workstation or runner outside Azure must fail in bounded time, not wait on 169.254.169.254. */
const TOKEN_TIMEOUT_MS = 60_000;

/**
 * EntraTokens over `@azure/identity`, imported only here, when `azure_acr` is on. AKS workload
 * identity when its webhook's variables are there (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID,
 * AZURE_TENANT_ID, AZURE_AUTHORITY_HOST), else the managed identity the library finds: App
 * Service / Container Apps (IDENTITY_ENDPOINT + IDENTITY_HEADER), Azure Arc, or IMDS.
 */
export class AzureIdentityTokens implements EntraTokens {
  constructor(private readonly timeoutMs = TOKEN_TIMEOUT_MS) {}

  async token(request: EntraTokenRequest): Promise<EntraToken> {
    const identity = await loadIdentityLibrary();
    // process.env, not an injected copy: the library reads the managed identity variables there.
    const env = process.env;
    const tried: string[] = [];
    const tokenFile = env.AZURE_FEDERATED_TOKEN_FILE;
    let credential: AzureIdentity.TokenCredential;
    let description: string;
    if (tokenFile) {
      const clientId = request.clientId || env.AZURE_CLIENT_ID;
      const tenantId = env.AZURE_TENANT_ID;
      if (!clientId || !tenantId) {
        const missing = [clientId ? '' : 'AZURE_CLIENT_ID (or azure_client_id)', tenantId ? '' : 'AZURE_TENANT_ID'];
        const names = missing.filter(Boolean);
        throw new ConfigurationError(
          `workload identity: AZURE_FEDERATED_TOKEN_FILE is set but ${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} not`,
        );
      }
      const authorityHost = env.AZURE_AUTHORITY_HOST || request.cloud.authorityHost;
      description = `workload identity (client ID ${clientId}, tenant ${tenantId}, authority ${authorityHost})`;
      credential = new identity.WorkloadIdentityCredential({
        clientId,
        tenantId,
        tokenFilePath: tokenFile,
        authorityHost,
        // The authority comes from the cluster or our cloud table; asking login.microsoftonline.com
        // to vouch for it is one more request at every cold start.
        disableInstanceDiscovery: true,
      });
    } else {
      tried.push('workload identity (AZURE_FEDERATED_TOKEN_FILE is not set)');
      const which = request.clientId ? `user-assigned, client ID ${request.clientId}` : 'system-assigned';
      description = `managed identity via ${managedIdentitySource(env)} (${which})`;
      try {
        credential = new identity.ManagedIdentityCredential(request.clientId ? { clientId: request.clientId } : {});
      } catch (error) {
        throw noIdentity([...tried, `${description}: ${reason(error, this.timeoutMs)}`], error);
      }
    }
    let token: string;
    try {
      const answer = await withTimeout(this.timeoutMs, (abortSignal) =>
        credential.getToken(request.cloud.scope, { abortSignal }),
      );
      if (!answer?.token) throw new Error('the library returned no token');
      token = answer.token;
    } catch (error) {
      throw noIdentity([...tried, `${description}: ${reason(error, this.timeoutMs)}`], error);
    }
    return { token, identity: description };
  }
}

/** The one place the SDK is loaded: only steps with `azure_acr` pay for it (see scripts/build.mjs). */
async function loadIdentityLibrary(): Promise<typeof AzureIdentity> {
  try {
    return await import('@azure/identity');
  } catch (error) {
    throw new ConfigurationError(
      `@azure/identity cannot be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the image ships it in /opt/resource/node_modules`,
      { cause: error },
    );
  }
}

function noIdentity(tried: readonly string[], cause: unknown): AuthenticationError {
  return new AuthenticationError(`no Azure identity gave an Entra ID token; tried ${tried.join('; ')}`, {
    cause,
  });
}

/** The managed identity source the library will pick, in its order, for messages only. */
export function managedIdentitySource(env: NodeJS.ProcessEnv): string {
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER && env.IDENTITY_SERVER_THUMBPRINT)
    return `Service Fabric (IDENTITY_ENDPOINT ${env.IDENTITY_ENDPOINT})`;
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER)
    return `App Service / Container Apps (IDENTITY_ENDPOINT ${env.IDENTITY_ENDPOINT})`;
  if (env.MSI_ENDPOINT) return `Cloud Shell / Machine Learning (MSI_ENDPOINT ${env.MSI_ENDPOINT})`;
  if ((env.IDENTITY_ENDPOINT && env.IMDS_ENDPOINT) || existsSync('/opt/azcmagent/bin/himds'))
    return `Azure Arc${env.IDENTITY_ENDPOINT ? ` (IDENTITY_ENDPOINT ${env.IDENTITY_ENDPOINT})` : ''}`;
  return `IMDS at ${env.AZURE_POD_IDENTITY_AUTHORITY_HOST || 'http://169.254.169.254'}`;
}

/** The library's first line, without its troubleshooting links: enough to say what went wrong. */
function reason(error: unknown, timeoutMs: number): string {
  if (isAbort(error)) return `no answer within ${timeoutMs / 1000} s`;
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n')[0] ?? '')
    .replace(/\s*See (the troubleshooting guide|https?:\/\/)\S*.*$/i, '')
    .replace(/^(ManagedIdentity|WorkloadIdentity|ClientAssertion)Credential: /, '')
    .replace(/[\s:.]+$/, '')
    .trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line || 'failed';
}

/**
 * The library passes the abort signal to some flows only (not to managed identity's), so the
 * deadline is ours: the step fails on time, and the process exits with the request still open.
 */
async function withTimeout<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${ms} ms`);
      error.name = 'TimeoutError';
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Our deadline, or the library's wrapping of it; look down the causes. */
function isAbort(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  }
  return false;
}
