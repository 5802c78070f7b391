import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../../src/adapters/registry/ip-family';

describe('ipFamily', () => {
  it('agrees with net.isIP on addresses, near-addresses and names', () => {
    const samples = [
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '10.1.2.3',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3.4 ',
      'a.b.c.d',
      '::1',
      '::',
      'fe80::1',
      '::ffff:127.0.0.1',
      '2001:db8::8a2e:370:7334',
      'fe80::1%eth0',
      '[::1]',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      'localhost',
      'registry.test',
      'gcr.io',
      '',
      '1.2.3.4:5000',
    ];
    for (const host of samples) expect(ipFamily(host), host).toBe(isIP(host));
  });
});
