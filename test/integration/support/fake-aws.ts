/**
 * A fake of the two AWS endpoints an ECR login talks to (STS and ECR) on 127.0.0.1, for the real
 * AWS SDK pointed at it with `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL_ECR` (see `endpointEnv`).
 *
 *   startFakeAws(options) → Promise<FakeAws>
 *
 * Every signed call is checked as AWS does: the SigV4 signature is recomputed from the secret
 * the fake knows for the access key id (a configured key, or credentials it issued), and a
 * session token must be the one issued with that key. `calls` records who signed each call, so
 * a test can prove a chain (static keys → role A → role B → GetAuthorizationToken).
 *
 * Options:
 *   keys:        { AKID: { secret, sessionToken?, expired? } }  long-lived (or user session) keys
 *   roles:       { ARN: { trustedBy?: principals } }  assumable roles; a principal is a key id or a
 *                role ARN (the role whose session assumes it); any principal when trustedBy is absent.
 *                Anything else gets AccessDenied naming the role.
 *   webIdentity: { token, roleArn }  AssumeRoleWithWebIdentity accepts this token for this role.
 *   ecr:         { password, proxyEndpoint, authorizationToken? (raw, to hand out a malformed one) }
 *
 * Wire shapes: STS is the query protocol (form body, XML answer), ECR JSON 1.1 (`X-Amz-Target`).
 * Call: { service, action, region?, principal? ('key:AKID' | 'role:ARN' | 'web-identity:ARN'),
 *   accessKeyId?, withSessionToken, roleArn?, roleSessionName?, outcome ('ok' | error code) }.
 * Secrets and tokens are never recorded.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface FakeAwsOptions {
  keys?: Record<string, { secret: string; sessionToken?: string; expired?: boolean }>;
  roles?: Record<string, { trustedBy?: string[] }>;
  webIdentity?: { token: string; roleArn: string };
  ecr: { password: string; proxyEndpoint: string; authorizationToken?: string };
}

export interface FakeAwsCall {
  service: 'sts' | 'ecr' | 'unknown';
  action: string;
  region?: string;
  principal?: string;
  accessKeyId?: string;
  withSessionToken: boolean;
  roleArn?: string;
  roleSessionName?: string;
  outcome: string;
}

export interface FakeAws {
  url: string;
  port: number;
  calls: FakeAwsCall[];
  /** Every secret and token the fake issued, for "never printed" assertions. */
  issuedSecrets(): string[];
  /** `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_ECR` pointing at the fake. */
  endpointEnv(): Record<string, string>;
  stop(): Promise<void>;
}

interface Identity {
  principal: string;
  secret: string;
  sessionToken?: string;
  expired?: boolean;
}

class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const identities = new Map<string, Identity>();
  for (const [akid, key] of Object.entries(options.keys ?? {})) {
    identities.set(akid, {
      principal: `key:${akid}`,
      secret: key.secret,
      ...(key.sessionToken !== undefined ? { sessionToken: key.sessionToken } : {}),
      ...(key.expired ? { expired: true } : {}),
    });
  }
  const issued: string[] = [];
  const calls: FakeAwsCall[] = [];
  let serial = 0;

  const issue = (principal: string): { akid: string; secret: string; token: string } => {
    serial++;
    const akid = `ASIAFAKE${String(serial).padStart(12, '0')}`;
    const secret = randomBytes(30).toString('base64');
    const token = `FAKETOKEN${serial}-${randomBytes(12).toString('hex')}`;
    identities.set(akid, { principal, secret, sessionToken: token });
    issued.push(secret, token);
    return { akid, secret, token };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = header(req, 'x-amz-target');
    const isEcr = target?.startsWith(ECR_TARGET_PREFIX) ?? false;
    const form = isEcr ? undefined : new URLSearchParams(body.toString('utf8'));
    const action = isEcr ? (target ?? '').slice(ECR_TARGET_PREFIX.length) : (form?.get('Action') ?? 'unknown');
    const call: FakeAwsCall = {
      service: isEcr ? 'ecr' : form?.get('Action') ? 'sts' : 'unknown',
      action,
      withSessionToken: header(req, 'x-amz-security-token') !== undefined,
      outcome: 'ok',
    };
    calls.push(call);
    try {
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new AwsFault(404, 'UnknownOperationException', `no such operation: ${req.method} ${req.url}`);
      }
      if (isEcr) {
        verify(req, body, identities, call, 'ecr');
        if (action !== 'GetAuthorizationToken') throw new AwsFault(400, 'UnknownOperationException', action);
        const token = options.ecr.authorizationToken ?? Buffer.from(`AWS:${options.ecr.password}`).toString('base64');
        sendJson(res, 200, {
          authorizationData: [
            {
              authorizationToken: token,
              expiresAt: Math.floor(Date.now() / 1000) + 12 * 3600,
              proxyEndpoint: options.ecr.proxyEndpoint,
            },
          ],
        });
        return;
      }
      if (!form) throw new AwsFault(400, 'InvalidAction', 'missing Action');
      if (action === 'AssumeRoleWithWebIdentity') {
        // Not signed: the web identity token is the credential.
        const roleArn = form.get('RoleArn') ?? '';
        call.roleArn = roleArn;
        call.roleSessionName = form.get('RoleSessionName') ?? '';
        const web = options.webIdentity;
        if (!web || form.get('WebIdentityToken') !== web.token || roleArn !== web.roleArn) {
          throw new AwsFault(
            403,
            'AccessDenied',
            `Not authorized to perform sts:AssumeRoleWithWebIdentity on ${roleArn}`,
          );
        }
        call.principal = `web-identity:${roleArn}`;
        const creds = issue(`role:${roleArn}`);
        sendXml(
          res,
          action,
          roleResult(
            roleArn,
            creds,
            '<SubjectFromWebIdentityToken>system:serviceaccount:ci:worker</SubjectFromWebIdentityToken>',
          ),
        );
        return;
      }
      const signer = verify(req, body, identities, call, 'sts');
      if (action === 'GetCallerIdentity') {
        sendXml(
          res,
          action,
          `<Arn>${signer.principal}</Arn><UserId>${call.accessKeyId ?? ''}</UserId><Account>000000000000</Account>`,
        );
        return;
      }
      if (action !== 'AssumeRole') throw new AwsFault(400, 'InvalidAction', `Could not find operation ${action}`);
      const roleArn = form.get('RoleArn') ?? '';
      call.roleArn = roleArn;
      call.roleSessionName = form.get('RoleSessionName') ?? '';
      const role = options.roles?.[roleArn];
      if (
        !role ||
        (role.trustedBy &&
          !role.trustedBy.some((p) => `key:${p}` === signer.principal || `role:${p}` === signer.principal))
      ) {
        throw new AwsFault(
          403,
          'AccessDenied',
          `User: ${signer.principal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      }
      sendXml(res, action, roleResult(roleArn, issue(`role:${roleArn}`)));
    } catch (error) {
      const fault = error instanceof AwsFault ? error : new AwsFault(500, 'InternalFailure', String(error));
      call.outcome = fault.code;
      if (isEcr) {
        res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.code });
        res.end(JSON.stringify({ __type: fault.code, message: fault.message }));
      } else {
        res.writeHead(fault.status, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>fake-${calls.length}</RequestId></ErrorResponse>`,
        );
      }
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    calls,
    issuedSecrets: () => [...issued],
    endpointEnv: () => ({ AWS_ENDPOINT_URL_STS: url, AWS_ENDPOINT_URL_ECR: url }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * SigV4 as AWS checks it: the credential scope names a known key, the session token matches the
 * key's, and the signature recomputed with the key's secret over the canonical request matches.
 */
function verify(
  req: IncomingMessage,
  body: Buffer,
  identities: ReadonlyMap<string, Identity>,
  call: FakeAwsCall,
  service: 'sts' | 'ecr',
): Identity {
  const invalidSignature = service === 'ecr' ? 'InvalidSignatureException' : 'SignatureDoesNotMatch';
  const unknownKey = service === 'ecr' ? 'UnrecognizedClientException' : 'InvalidClientTokenId';
  const authorization = header(req, 'authorization') ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) throw new AwsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const [, akid = '', date = '', region = '', scopeService = '', signedHeaders = '', signature = ''] = match;
  call.accessKeyId = akid;
  call.region = region;
  if (scopeService !== service)
    throw new AwsFault(403, invalidSignature, `Credential should be scoped to correct service: '${service}'`);
  const identity = identities.get(akid);
  if (!identity) throw new AwsFault(403, unknownKey, 'The security token included in the request is invalid.');
  call.principal = identity.principal;
  const token = header(req, 'x-amz-security-token');
  if (identity.sessionToken !== token) {
    throw new AwsFault(403, unknownKey, 'The security token included in the request is invalid.');
  }
  const amzDate = header(req, 'x-amz-date') ?? '';
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== payloadHash) {
    throw new AwsFault(
      400,
      invalidSignature,
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  }
  const names = signedHeaders.split(';');
  const canonicalHeaders = names
    .map((name) => `${name}:${(header(req, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const [path = '/', query = ''] = (req.url ?? '/').split('?');
  const canonicalRequest = [
    req.method ?? 'POST',
    path,
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${identity.secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (
    !amzDate.startsWith(date) ||
    !names.includes('host') ||
    !timingSafeEqual(expected, Buffer.from(signature, 'hex'))
  ) {
    throw new AwsFault(
      403,
      invalidSignature,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  if (identity.expired)
    throw new AwsFault(403, 'ExpiredToken', 'The security token included in the request is expired');
  return identity;
}

function roleResult(roleArn: string, creds: { akid: string; secret: string; token: string }, extra = ''): string {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${roleName}</AssumedRoleId><Arn>${escapeXml(roleArn)}</Arn></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${creds.akid}</AccessKeyId><SecretAccessKey>${creds.secret}</SecretAccessKey>` +
    `<SessionToken>${creds.token}</SessionToken><Expiration>${expiration}</Expiration></Credentials>${extra}`
  );
}

function sendXml(res: ServerResponse, action: string, result: string): void {
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const encode = (s: string): string =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...new URLSearchParams(query)]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
