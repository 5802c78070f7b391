import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { ConfigurationError } from '../../domain/errors';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks `source.ca_certs` and returns the trust list to give every HTTPS connection (registry and
 * token realm): Node's bundled roots plus the configured certificates. `undefined` means "Node's
 * defaults", so a source without `ca_certs` behaves exactly like any other Node client.
 */
export function tlsTrust(caCerts: readonly string[]): string[] | undefined {
  if (caCerts.length === 0) return undefined;
  const extra: string[] = [];
  caCerts.forEach((pem, index) => {
    const blocks = pem.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0) {
      throw new ConfigurationError(`source.ca_certs[${index}] is not a PEM certificate (no BEGIN CERTIFICATE block)`);
    }
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ConfigurationError(`source.ca_certs[${index}] is not a valid PEM certificate: ${reason}`);
      }
      extra.push(block);
    }
  });
  return [...rootCertificates, ...extra];
}
