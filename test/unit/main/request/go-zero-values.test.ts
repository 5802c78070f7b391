/**
 * What `json.Marshal` of the Go resource's request types (types.go at b25996c) produces when
 * nothing is set: every field present at its zero value (as if no field had omitempty), pointers
 * null. Concourse and tools built on the Go structs send requests like these; each must parse and
 * mean exactly what the same request without those fields means.
 */
import { describe, expect, it } from 'vitest';
import { parseCheckRequest, parseInRequest, parseOutRequest } from '../../../../src/main/request/request-schema';

const DIGEST = `sha256:${'a'.repeat(64)}`;

// One object per Go struct, field for field.
const goBasicCredentials = { username: '', password: '' };
const goAwsCredentials = {
  aws_access_key_id: '',
  aws_secret_access_key: '',
  aws_session_token: '',
  aws_region: '',
  aws_ecr_registry_id: '',
  aws_role_arn: '',
  aws_role_arns: null, // []string
  aws_account_id: '',
};
const goAzureCredentials = { azure_acr: false, azure_client_id: '', azure_tenant_id: '', azure_environment: '' };
const goSource = {
  repository: 'registry.test/team/app', // the one field Go cannot do without
  insecure: false,
  pre_releases: false,
  pre_release_prefixes: null,
  variant: '',
  semver_constraint: '',
  tag: '',
  tag_regex: '',
  created_at_sort: false,
  annotation_regex: '',
  label_regex: '',
  ...goBasicCredentials,
  ...goAwsCredentials,
  ...goAzureCredentials,
  registry_mirror: null, // *RegistryMirror
  content_trust: null, // *ContentTrust
  ca_certs: null,
  platform: null, // *PlatformField
  debug: false,
};
const goVersion = { tag: '', digest: DIGEST };
const goGetParams = { format: '', platform: null, skip_download: false };
const goPutParams = { image: 'image/image.tar', version: '', bump_aliases: false, additional_tags: '', tag_prefix: '' };

// The pointer structs, allocated but zero (`&RegistryMirror{}`, `&PlatformField{}`).
const goMirror = { host: '', ...goBasicCredentials };
const goPlatform = { architecture: '', os: '' };

const minimalSource = { repository: goSource.repository };

describe('Go zero-value requests mean the same as absent fields', () => {
  it('check: CheckRequest{Source: Source{Repository: ...}} with a nil Version', () => {
    const zero = parseCheckRequest(JSON.stringify({ source: goSource, version: null }));
    expect(zero).toEqual(parseCheckRequest(JSON.stringify({ source: minimalSource })));
    expect(zero).toEqual({ source: minimalSource });
  });

  it('check: a zero tag, tag_regex and semver_constraint leave semver mode; a zero version cursor is kept as sent', () => {
    const zero = parseCheckRequest(JSON.stringify({ source: goSource, version: goVersion }));
    expect(zero.source).toEqual(minimalSource);
    expect(zero.version).toEqual({ tag: '', digest: DIGEST });
  });

  it('in: InRequest with zero GetParams is a rootfs download with the source platform', () => {
    const zero = parseInRequest(JSON.stringify({ source: goSource, params: goGetParams, version: goVersion }));
    const minimal = parseInRequest(JSON.stringify({ source: minimalSource, version: goVersion }));
    expect(zero).toEqual(minimal);
    expect(zero.params).toEqual({});
    // The version is echoed to Concourse exactly as sent, as the Go resource does.
    expect(zero.version).toEqual(goVersion);
  });

  it('out: OutRequest with zero PutParams besides the image', () => {
    const zero = parseOutRequest(JSON.stringify({ source: goSource, params: goPutParams }));
    expect(zero).toEqual(
      parseOutRequest(JSON.stringify({ source: minimalSource, params: { image: goPutParams.image } })),
    );
    expect(zero.params).toEqual({ image: goPutParams.image });
  });

  it('allocated zero pointer structs (registry_mirror, platform) are absent too', () => {
    const source = { ...goSource, registry_mirror: goMirror, platform: goPlatform };
    expect(parseCheckRequest(JSON.stringify({ source })).source).toEqual(minimalSource);
    const request = parseInRequest(
      JSON.stringify({ source, params: { ...goGetParams, platform: goPlatform }, version: goVersion }),
    );
    expect(request.source).toEqual(minimalSource);
    expect(request.params).toEqual({});
  });

  it('empty lists are absent: aws_role_arns: [] does not switch on ECR, ca_certs: [] adds nothing', () => {
    const source = { ...goSource, aws_role_arns: [], ca_certs: [], pre_release_prefixes: [] };
    expect(parseCheckRequest(JSON.stringify({ source })).source).toEqual(minimalSource);
  });

  it('the fields that are set survive next to the zero ones', () => {
    const source = { ...goSource, tag_regex: '(?i)^v[[:digit:]]+\\z', platform: { architecture: 'arm64', os: '' } };
    expect(parseCheckRequest(JSON.stringify({ source })).source).toEqual({
      ...minimalSource,
      tag_regex: '(?i)^v[[:digit:]]+\\z',
      platform: { architecture: 'arm64' },
    });
  });

  it('still requires what Go cannot work without', () => {
    expect(() => parseCheckRequest(JSON.stringify({ source: { ...goSource, repository: '' } }))).toThrow(
      'source.repository is required',
    );
    expect(() => parseOutRequest(JSON.stringify({ source: goSource, params: { ...goPutParams, image: '' } }))).toThrow(
      'params.image is required',
    );
    expect(() =>
      parseInRequest(JSON.stringify({ source: goSource, params: goGetParams, version: { tag: '', digest: '' } })),
    ).toThrow('version.digest is required');
    // A mirror given credentials but no host is a mistake, not a zero value.
    expect(() =>
      parseCheckRequest(JSON.stringify({ source: { ...goSource, registry_mirror: { ...goMirror, username: 'u' } } })),
    ).toThrow('source.registry_mirror.host is required');
  });
});
