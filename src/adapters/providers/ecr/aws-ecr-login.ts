import { ConfigurationError } from '../../../domain/errors';
import type { Logger } from '../../../ports/logger';
import { awsRequestHandler } from './aws-request-handler';
import { decodeAuthorizationToken, type EcrAuthorization } from './ecr-authorization';
import { EcrLoginError } from './ecr-login-error';
import { type EcrSettings } from './ecr-settings';

interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A stable session name, so CloudTrail shows which tool assumed the role. */
export const ROLE_SESSION_NAME = 'concourse-registry-image';

/**
 * The Go resource's AuthenticateToECR with the AWS SDK for JavaScript: credentials (the request's
 * keys, else the SDK's default Node chain), one AssumeRole per configured role, each signed with
 * the previous credentials, then GetAuthorizationToken. The SDK is loaded here, only for steps
 * that use ECR; endpoints follow the SDK's own settings (`AWS_ENDPOINT_URL_STS`, `…_ECR`) and are
 * reached through `HTTPS_PROXY` unless `NO_PROXY` covers them (aws-request-handler.ts).
 */
export async function loginToEcr(settings: EcrSettings, logger: Logger): Promise<EcrAuthorization> {
  quietNodeVersionWarning();
  const subject = `ECR login for ${settings.repository} (${settings.region})`;
  let credentials = settings.keys ?? (await defaultChainCredentials(settings, subject, logger));
  for (const [index, roleArn] of settings.roleArns.entries()) {
    logger.debug(`ECR: assuming role ${roleArn} (${index + 1} of ${settings.roleArns.length})`);
    credentials = await assumeRole(
      settings.region,
      credentials,
      roleArn,
      `${subject}: could not assume role ${roleArn}`,
    );
    remember(logger, credentials);
  }
  const { ECRClient, GetAuthorizationTokenCommand } = await loadSdk(
    '@aws-sdk/client-ecr',
    () => import('@aws-sdk/client-ecr'),
  );
  const client = new ECRClient({ region: settings.region, credentials, requestHandler: awsRequestHandler() });
  const what = `${subject}: GetAuthorizationToken failed`;
  try {
    const result = await client.send(new GetAuthorizationTokenCommand({})).catch((error: unknown) => {
      throw EcrLoginError.from(what, error);
    });
    const data = result.authorizationData?.[0];
    const password = data?.authorizationToken ? decodeAuthorizationToken(data.authorizationToken) : undefined;
    if (!data || password === undefined) {
      throw new EcrLoginError(
        what,
        'the authorization token is missing or malformed (expected base64 of "AWS:<password>")',
      );
    }
    logger.registerSecret?.(password);
    if (!data.proxyEndpoint && !settings.accountId) {
      throw new EcrLoginError(what, 'the answer names no proxyEndpoint; set aws_account_id');
    }
    logger.debug(
      `ECR: authorization token for ${data.proxyEndpoint ?? 'the account'} until ${data.expiresAt?.toISOString() ?? '?'}`,
    );
    return {
      password,
      proxyEndpoint: data.proxyEndpoint ?? '',
      ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
    };
  } finally {
    client.destroy();
  }
}

async function defaultChainCredentials(
  settings: EcrSettings,
  subject: string,
  logger: Logger,
): Promise<AwsCredentials> {
  if (settings.incompleteKeys) logger.warn(`${settings.incompleteKeys}: using the default AWS credential chain`);
  logger.debug('ECR: credentials from the default AWS chain (environment, shared files, web identity, ECS/EKS, EC2)');
  const { fromNodeProviderChain } = await loadSdk(
    '@aws-sdk/credential-providers',
    () => import('@aws-sdk/credential-providers'),
  );
  // The region and the proxy-aware handler are for STS, which a web identity token or a profile's
  // role is exchanged with.
  const provider = fromNodeProviderChain({
    clientConfig: { region: settings.region, requestHandler: awsRequestHandler() },
  });
  // Keys in the environment come first and need no call; a failure past them is most often the
  // EKS web identity exchange, so name its role when it is configured.
  const webRole = process.env.AWS_WEB_IDENTITY_TOKEN_FILE ? process.env.AWS_ROLE_ARN : undefined;
  const source = webRole ? ` (web identity token for ${webRole})` : '';
  const credentials = await provider().catch((error: unknown) => {
    throw EcrLoginError.from(`${subject}: could not get AWS credentials from the default chain${source}`, error);
  });
  remember(logger, credentials);
  return credentials;
}

async function assumeRole(
  region: string,
  credentials: AwsCredentials,
  roleArn: string,
  what: string,
): Promise<AwsCredentials> {
  const { STSClient, AssumeRoleCommand } = await loadSdk('@aws-sdk/client-sts', () => import('@aws-sdk/client-sts'));
  const client = new STSClient({ region, credentials, requestHandler: awsRequestHandler() });
  try {
    const result = await client
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME }))
      .catch((error: unknown) => {
        throw EcrLoginError.from(what, error);
      });
    const issued = result.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) throw new EcrLoginError(what, 'STS returned no credentials');
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken ? { sessionToken: issued.SessionToken } : {}),
    };
  } finally {
    client.destroy();
  }
}

/** The SDK ships next to the bundles (docker/layout.mjs); say so plainly when it does not. */
async function loadSdk<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigurationError(`ECR needs ${name}, which cannot be loaded next to the resource: ${why}`, {
      cause: error,
    });
  }
}

/** Credentials found or issued at run time are secrets like the request's own. */
function remember(logger: Logger, credentials: AwsCredentials): void {
  for (const secret of [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]) {
    if (secret) logger.registerSecret?.(secret);
  }
}

/**
 * SDK releases for Node 20 print a "NodeVersionSupportWarning" on stderr, once per process, when a
 * client is built. The resource's Node is the image's choice, not the pipeline's: keep it quiet
 * unless the operator set the variable themselves.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
