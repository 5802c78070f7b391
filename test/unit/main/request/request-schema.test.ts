import { describe, expect, it } from 'vitest';
import { parseCheckRequest, parseInRequest, parseOutRequest } from '../../../../src/main/request/request-schema';

describe('request parsing (Go field names and types)', () => {
  it('parses a full check request', () => {
    const request = parseCheckRequest(
      JSON.stringify({
        source: {
          repository: 'concourse/test',
          variant: 'alpine',
          pre_releases: true,
          pre_release_prefixes: ['dev'],
          semver_constraint: '~1.2',
          registry_mirror: { host: 'mirror.local:5000', username: 'u', password: 'p' },
          ca_certs: ['pem'],
          debug: true,
        },
        version: { tag: '1.2.3', digest: 'sha256:abc' },
      }),
    );
    expect(request.source.registry_mirror).toEqual({ host: 'mirror.local:5000', username: 'u', password: 'p' });
    expect(request.version).toEqual({ tag: '1.2.3', digest: 'sha256:abc' });
  });

  it('keeps a numeric tag as its exact text', () => {
    expect(parseCheckRequest('{"source":{"repository":"r","tag":1.10}}').source.tag).toBe('1.10');
    expect(parseCheckRequest('{"source":{"repository":"r","tag":7}}').source.tag).toBe('7');
  });

  it('treats null fields as absent and accepts a null version', () => {
    const request = parseCheckRequest('{"source":{"repository":"r","tag":null,"variant":null},"version":null}');
    expect(request.source).toEqual({ repository: 'r' });
    expect(request.version).toBeUndefined();
  });

  it.each([
    ['{"source":{"repository":"r","bogus":1}}', 'unknown field "source.bogus" in request'],
    ['{"source":{"repository":"r"},"extra":true}', 'unknown field "extra" in request'],
    [
      '{"source":{"repository":"r","registry_mirror":{"host":"h","port":1}}}',
      'unknown field "source.registry_mirror.port"',
    ],
    ['{"source":{}}', 'source.repository is required'],
    ['{"source":{"repository":""}}', 'source.repository is required'],
    ['{}', 'source is required'],
    ['{"source":{"repository":5}}', 'source.repository must be a string, got the number 5'],
    ['{"source":{"repository":"r","insecure":"yes"}}', 'source.insecure must be a boolean, got a string'],
    ['{"source":{"repository":"r","ca_certs":"pem"}}', 'source.ca_certs must be an array of strings, got a string'],
    ['{"source":{"repository":"r","ca_certs":[1]}}', 'source.ca_certs[0] must be a string, got the number 1'],
    ['{"source":{"repository":"r","tag":true}}', 'source.tag must be a string or number, got a boolean'],
    ['[]', 'request must be a JSON object, got an array'],
    ['', 'empty request on stdin'],
    ['{"source":', 'malformed JSON request'],
  ])('rejects %s', (text, message) => {
    expect(() => parseCheckRequest(text)).toThrow(message);
  });

  it('validates in requests: version and format', () => {
    expect(() => parseInRequest('{"source":{"repository":"r"}}')).toThrow('version is required');
    expect(() => parseInRequest('{"source":{"repository":"r"},"version":{"tag":"x"}}')).toThrow(
      'version.digest is required',
    );
    expect(() =>
      parseInRequest('{"source":{"repository":"r"},"version":{"digest":"sha256:a"},"params":{"format":"tarball"}}'),
    ).toThrow('params.format must be one of rootfs, oci, oci-layout; got "tarball"');
    const request = parseInRequest('{"source":{"repository":"r"},"version":{"digest":"sha256:a"}}');
    expect(request.params).toEqual({});
  });

  it('parses the Go fields added since: source label/annotation regexes, aws_account_id, azure_*, google_auth', () => {
    const source = {
      repository: 'r',
      label_regex: '^org\\.',
      annotation_regex: 'revision',
      aws_account_id: '123456789012',
      azure_acr: true,
      azure_client_id: 'client',
      azure_tenant_id: 'tenant',
      azure_environment: 'AzureGovernment',
      google_auth: true,
      content_trust: { repository_key_id: 'id', repository_key: 'key', repository_passphrase: 'p', best_effort: true },
    };
    expect(parseCheckRequest(JSON.stringify({ source })).source).toEqual(source);
    const params = { aws_account_id: '123456789012', label_regex: 'a', annotation_regex: 'b' };
    expect(
      parseInRequest(JSON.stringify({ source: { repository: 'r' }, version: { digest: 'd' }, params })).params,
    ).toEqual(params);
    expect(
      parseOutRequest(JSON.stringify({ source: { repository: 'r' }, params: { image: 'i', aws_account_id: '1' } }))
        .params,
    ).toEqual({ image: 'i', aws_account_id: '1' });
  });

  it.each([
    ['{"source":{"repository":"r","azure_acr":"true"}}', 'source.azure_acr must be a boolean, got a string'],
    ['{"source":{"repository":"r","google_auth":1}}', 'source.google_auth must be a boolean, got the number 1'],
    ['{"source":{"repository":"r","aws_account_id":123456789012}}', 'source.aws_account_id must be a string'],
    ['{"source":{"repository":"r","label_regex":["a"]}}', 'source.label_regex must be a string, got an array'],
    [
      '{"source":{"repository":"r","content_trust":{"repository_key_id":"i","repository_key":"k","repository_passphrase":"p","best_effort":"yes"}}}',
      'source.content_trust.best_effort must be a boolean, got a string',
    ],
    ['{"source":{"repository":"r","content_trust":{}}}', 'source.content_trust.repository_key_id is required'],
    [
      '{"source":{"repository":"r","content_trust":{"repository_key_id":"i","repository_key":"","repository_passphrase":"p"}}}',
      'source.content_trust.repository_key is required',
    ],
    ['{"source":{"repository":"r","params":{}}}', 'unknown field "source.params"'],
  ])('rejects %s', (text, message) => {
    expect(() => parseCheckRequest(text)).toThrow(message);
  });

  it('reads format as Go: "" is rootfs, an unknown format fails only when something is downloaded', () => {
    const inRequest = (params: object) =>
      parseInRequest(JSON.stringify({ source: { repository: 'r' }, version: { digest: 'sha256:a' }, params }));
    expect(inRequest({ format: '' }).params).toEqual({});
    expect(inRequest({ format: 'oci', skip_download: true }).params).toEqual({ format: 'oci', skip_download: true });
    expect(inRequest({ format: 'tarball', skip_download: true }).params).toEqual({ skip_download: true });
    expect(() => inRequest({ format: 'tarball', skip_download: false })).toThrow(
      'params.format must be one of rootfs, oci, oci-layout; got "tarball"',
    );
  });

  it('reads params.platforms as a list of strings', () => {
    const inRequest = (params: object) =>
      parseInRequest(JSON.stringify({ source: { repository: 'r' }, version: { digest: 'sha256:a' }, params }));
    const params = { format: 'oci-layout', platforms: ['linux/amd64', 'linux/arm64/v8'] };
    expect(inRequest(params).params).toEqual(params);
    expect(() => inRequest({ platforms: 'linux/amd64' })).toThrow('params.platforms must be an array of strings');
  });

  it('validates out requests: params.image is required', () => {
    expect(() => parseOutRequest('{"source":{"repository":"r"}}')).toThrow('params.image is required');
    expect(parseOutRequest('{"source":{"repository":"r"},"params":{"image":"i/*.tar","version":1.0}}').params).toEqual({
      image: 'i/*.tar',
      version: '1.0',
    });
  });
});

describe('request errors stay on one line', () => {
  const digest = `sha256:${'0'.repeat(64)}`;
  it('quotes values and keys that hold newlines (found by the fuzz test)', () => {
    const format = JSON.stringify({ source: { repository: 'r' }, version: { digest }, params: { format: '\n' } });
    expect(() => parseInRequest(format)).toThrow('params.format must be one of rootfs, oci, oci-layout; got "\\n"');
    const key = JSON.stringify({ source: { repository: 'r', 'a\nb': 1 } });
    expect(() => parseCheckRequest(key)).toThrow('unknown field "source.a\\nb" in request');
  });
});
