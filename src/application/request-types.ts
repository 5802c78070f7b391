/**
 * Requests and responses as Concourse sends and expects them, with the Go resource's field
 * names (wire-compatible). Optional fields are absent rather than empty: the parser drops the
 * Go zero values (`""`, `false`, `[]`, `null`) that mean "unset" in the Go resource.
 */

export interface Version {
  tag?: string;
  digest: string;
}

export interface MetadataField {
  name: string;
  value: string;
}

export interface PlatformConfig {
  architecture?: string;
  os?: string;
  variant?: string;
}

export interface BasicCredentialsConfig {
  username?: string;
  password?: string;
}

export interface AwsConfig {
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  aws_session_token?: string;
  aws_region?: string;
  aws_role_arn?: string;
  aws_role_arns?: string[];
  /** Names the registry `ACCOUNT.dkr.ecr.REGION.amazonaws.com` instead of the token's proxy endpoint. */
  aws_account_id?: string;
  aws_ecr_registry_id?: string;
}

/** Azure Container Registry through an Entra ID identity (the Go resource's AzureCredentials). */
export interface AzureConfig {
  azure_acr?: boolean;
  /** A user-assigned managed identity's client ID; absent: the system-assigned identity. */
  azure_client_id?: string;
  /** The registry's tenant; absent: the `tenant` of the registry's `/v2/` challenge, else `common`. */
  azure_tenant_id?: string;
  /** `AzurePublic`, `AzureGovernment` or `AzureChina`; absent: from the registry host's suffix. */
  azure_environment?: string;
}

export interface RegistryMirrorConfig extends BasicCredentialsConfig {
  host: string;
}

export interface ContentTrustConfig extends BasicCredentialsConfig {
  server?: string;
  repository_key_id: string;
  repository_key: string;
  repository_passphrase: string;
  tls_key?: string;
  tls_cert?: string;
  scopes?: string;
  best_effort?: boolean;
}

/** `source.cosign`: a `cosign generate-key-pair` private key (encrypted PEM) and its password. */
export interface CosignConfig {
  key: string;
  password?: string;
}

/** `source.verify`: only digests signed by one of these keys are reported by check or fetched by get. */
export interface VerifyConfig {
  /** PEM public keys (`cosign.pub`). */
  cosign_public_keys: string[];
}

export interface Source extends BasicCredentialsConfig, AwsConfig, AzureConfig {
  repository: string;
  insecure?: boolean;
  tag?: string;
  variant?: string;
  semver_constraint?: string;
  pre_releases?: boolean;
  pre_release_prefixes?: string[];
  tag_regex?: string;
  created_at_sort?: boolean;
  /** Image config labels whose name matches (RE2, unanchored) go into the get step's metadata. */
  label_regex?: string;
  /** Manifest annotations whose name matches (RE2, unanchored) go into the get step's metadata. */
  annotation_regex?: string;
  platform?: PlatformConfig;
  registry_mirror?: RegistryMirrorConfig;
  content_trust?: ContentTrustConfig;
  cosign?: CosignConfig;
  verify?: VerifyConfig;
  ca_certs?: string[];
  debug?: boolean;
  /** Application Default Credentials for the repository's registry (GCR, Artifact Registry). */
  google_auth?: boolean;
}

export interface GetParams extends BasicCredentialsConfig, AwsConfig {
  format?: 'rootfs' | 'oci' | 'oci-layout';
  skip_download?: boolean;
  platform?: PlatformConfig;
  /** `os/arch[/variant]` children of the index to keep; needs `format: oci-layout`. */
  platforms?: string[];
  /** Overrides `source.label_regex` for this step. */
  label_regex?: string;
  /** Overrides `source.annotation_regex` for this step. */
  annotation_regex?: string;
  /** A number kept as its text: tar bytes a layer may expand to per compressed byte, 0 for no limit. */
  max_expansion_ratio?: string;
}

export interface PutParams extends BasicCredentialsConfig, AwsConfig {
  image: string;
  version?: string;
  bump_aliases?: boolean;
  additional_tags?: string;
  tag_prefix?: string;
}

export interface CheckRequest {
  source: Source;
  version?: Version;
}

export interface InRequest {
  source: Source;
  version: Version;
  params: GetParams;
}

export interface OutRequest {
  source: Source;
  params: PutParams;
}

export type CheckResponse = Version[];

export interface InOutResponse {
  version: Version;
  metadata: MetadataField[];
}
