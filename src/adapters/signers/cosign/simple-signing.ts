/** The payload cosign signs: Red Hat "simple signing" naming the repository and the manifest digest. */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export interface SimpleSigningClaim {
  readonly dockerReference: string;
  readonly manifestDigest: string;
}

/** The payload bytes, in cosign's field order (the signature is over these exact bytes). */
export function simpleSigningPayload(claim: SimpleSigningClaim): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': claim.dockerReference },
        image: { 'docker-manifest-digest': claim.manifestDigest },
        type: SIMPLE_SIGNING_TYPE,
      },
      optional: null,
    }),
    'utf8',
  );
}

/** What a signed payload claims, or why it is not a cosign payload. */
export function parseSimpleSigning(bytes: Buffer): SimpleSigningClaim | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the payload is not JSON';
  }
  const critical = (parsed as { critical?: unknown } | null)?.critical as Record<string, unknown> | undefined;
  if (typeof critical !== 'object' || critical === null) return 'the payload has no "critical" section';
  if (critical.type !== SIMPLE_SIGNING_TYPE) return `the payload type is not "${SIMPLE_SIGNING_TYPE}"`;
  const digest = (critical.image as Record<string, unknown> | undefined)?.['docker-manifest-digest'];
  if (typeof digest !== 'string') return 'the payload names no docker-manifest-digest';
  const reference = (critical.identity as Record<string, unknown> | undefined)?.['docker-reference'];
  return { dockerReference: typeof reference === 'string' ? reference : '', manifestDigest: digest };
}
