import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { tlsTrust } from '../../../../src/adapters/registry/tls-trust';
import { ConfigurationError } from '../../../../src/domain/errors';

// Any real certificate will do: borrow one of Node's bundled roots.
const realCert = rootCertificates[0] ?? '';

describe('tlsTrust (source.ca_certs)', () => {
  it("keeps Node's defaults when no ca_certs are configured", () => {
    expect(tlsTrust([])).toBeUndefined();
  });

  it('adds every certificate of every PEM to the system roots', () => {
    const trust = tlsTrust([`${realCert}\n${realCert}`]);
    expect(trust).toHaveLength(rootCertificates.length + 2);
    expect(trust?.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
  });

  it('names the offending entry for text that is not a PEM, or a PEM that does not parse', () => {
    expect(() => tlsTrust([realCert, 'hello'])).toThrow(ConfigurationError);
    expect(() => tlsTrust([realCert, 'hello'])).toThrow(/^source\.ca_certs\[1\] is not a PEM certificate/);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    expect(() => tlsTrust([broken])).toThrow(/^source\.ca_certs\[0\] is not a valid PEM certificate/);
  });
});
