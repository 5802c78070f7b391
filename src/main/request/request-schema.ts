import { InvalidRequestError } from '../../domain/errors';
import type {
  CheckRequest,
  GetParams,
  InRequest,
  OutRequest,
  PutParams,
  Source,
} from '../../application/request-types';
import { JsonNumber, parseJsonText, type JsonValue } from './json-text';

/**
 * Declarative request schemas. Field names and types follow the Go resource (types.go); an
 * unknown field is an error that names it (the Go resource decodes with DisallowUnknownFields).
 *
 * Concourse and tools that marshal the Go structs send every field, set or not. The Go resource
 * reads `""`, `false`, `[]` and `null` as "unset" everywhere (`if source.Tag != ""`), so the
 * parser drops them: a zero-valued field means exactly what an absent one means.
 */
type FieldType =
  | 'string'
  | 'boolean'
  /** A string, or a JSON number kept as its exact text (`tag: 1.10`). */
  | 'string-or-number'
  | 'string[]'
  | ObjectType;

interface ObjectType {
  object: Schema;
  /** Checked after zero values are dropped: `""` is as missing as absent. */
  required?: string[];
  /** An object left with no field (`{}` or all zero values) is absent, before `required` is checked. */
  emptyIsAbsent?: boolean;
  /** Keep zero values as sent (a version is echoed back to Concourse exactly). */
  keepZeroValues?: boolean;
}

interface Schema {
  [field: string]: FieldType;
}

const basicCredentials: Schema = { username: 'string', password: 'string' };
const aws: Schema = {
  aws_access_key_id: 'string',
  aws_secret_access_key: 'string',
  aws_session_token: 'string',
  aws_region: 'string',
  aws_role_arn: 'string',
  aws_role_arns: 'string[]',
  aws_account_id: 'string',
  aws_ecr_registry_id: 'string',
};
const azure: Schema = {
  azure_acr: 'boolean',
  azure_client_id: 'string',
  azure_tenant_id: 'string',
  azure_environment: 'string',
};
const platform: FieldType = {
  object: { architecture: 'string', os: 'string', variant: 'string' },
  emptyIsAbsent: true,
};

const source: Schema = {
  repository: 'string',
  insecure: 'boolean',
  tag: 'string-or-number',
  variant: 'string',
  semver_constraint: 'string',
  pre_releases: 'boolean',
  pre_release_prefixes: 'string[]',
  tag_regex: 'string',
  created_at_sort: 'boolean',
  label_regex: 'string',
  annotation_regex: 'string',
  platform,
  ...basicCredentials,
  ...aws,
  ...azure,
  google_auth: 'boolean',
  // Go resolves an empty host to Docker Hub itself, which is no mirror at all.
  registry_mirror: { object: { host: 'string', ...basicCredentials }, required: ['host'], emptyIsAbsent: true },
  content_trust: {
    object: {
      server: 'string',
      repository_key_id: 'string',
      repository_key: 'string',
      repository_passphrase: 'string',
      tls_key: 'string',
      tls_cert: 'string',
      scopes: 'string',
      best_effort: 'boolean',
      ...basicCredentials,
    },
    // Required by the Go resource's documentation whenever content_trust is given, even as `{}`.
    required: ['repository_key_id', 'repository_key', 'repository_passphrase'],
  },
  cosign: { object: { key: 'string', password: 'string' }, required: ['key'] },
  verify: { object: { cosign_public_keys: 'string[]' }, required: ['cosign_public_keys'] },
  ca_certs: 'string[]',
  debug: 'boolean',
};

const version: FieldType = {
  object: { tag: 'string-or-number', digest: 'string' },
  required: ['digest'],
  keepZeroValues: true,
};

const getParams: Schema = {
  format: 'string',
  skip_download: 'boolean',
  platform,
  platforms: 'string[]',
  label_regex: 'string',
  annotation_regex: 'string',
  max_expansion_ratio: 'string-or-number',
  ...basicCredentials,
  ...aws,
};

const putParams: Schema = {
  image: 'string',
  version: 'string-or-number',
  bump_aliases: 'boolean',
  additional_tags: 'string',
  tag_prefix: 'string',
  ...basicCredentials,
  ...aws,
};

function typeName(type: FieldType): string {
  if (typeof type === 'object') return 'an object';
  return {
    string: 'a string',
    boolean: 'a boolean',
    'string-or-number': 'a string or number',
    'string[]': 'an array of strings',
  }[type];
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return `the number ${value.text}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** Go's zero values for the field types, which the Go resource treats as unset. */
function isZeroValue(value: unknown): boolean {
  return value === '' || value === false || (Array.isArray(value) && value.length === 0);
}

/** `undefined` when the value counts as absent. */
function convert(value: JsonValue, type: FieldType, path: string): unknown {
  const wrong = (): never => {
    throw new InvalidRequestError(`${path} must be ${typeName(type)}, got ${describe(value)}`);
  };
  if (typeof type === 'object') {
    if (!isPlainObject(value)) return wrong();
    return convertObject(value, type, path);
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : wrong();
    case 'boolean':
      return typeof value === 'boolean' ? value : wrong();
    case 'string-or-number':
      if (typeof value === 'string') return value;
      return value instanceof JsonNumber ? value.text : wrong();
    case 'string[]':
      if (!Array.isArray(value)) return wrong();
      return value.map((item, i) => {
        if (typeof item !== 'string')
          throw new InvalidRequestError(`${path}[${i}] must be a string, got ${describe(item)}`);
        return item;
      });
  }
}

function convertObject(
  value: { [key: string]: JsonValue },
  type: ObjectType,
  path: string,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    const fieldType = Object.prototype.hasOwnProperty.call(type.object, key) ? type.object[key] : undefined;
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (fieldType === undefined) {
      // JSON quoting: a key or value from the request may hold a newline, and an error is one line.
      throw new InvalidRequestError(`unknown field ${JSON.stringify(fieldPath)} in request`);
    }
    // Concourse and YAML produce explicit nulls for unset values; the Go resource treats them as absent.
    if (fieldValue === null) continue;
    const converted = convert(fieldValue, fieldType, fieldPath);
    if (converted === undefined || (!type.keepZeroValues && isZeroValue(converted))) continue;
    out[key] = converted;
  }
  if (type.emptyIsAbsent && Object.keys(out).length === 0) return undefined;
  for (const key of type.required ?? []) {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (out[key] === undefined || out[key] === '') throw new InvalidRequestError(`${fieldPath} is required`);
  }
  return out;
}

function parseTopLevel(text: string, schema: Schema, required: string[]): Record<string, unknown> {
  if (text.trim() === '') throw new InvalidRequestError('empty request on stdin: expected a JSON object');
  const json = parseJsonText(text);
  if (!isPlainObject(json)) throw new InvalidRequestError(`request must be a JSON object, got ${describe(json)}`);
  return convertObject(json, { object: schema, required }, '') ?? {};
}

const sourceField: FieldType = { object: source, required: ['repository'] };

export function parseCheckRequest(text: string): CheckRequest {
  const request = parseTopLevel(text, { source: sourceField, version }, ['source']);
  return request as unknown as CheckRequest;
}

export function parseInRequest(text: string): InRequest {
  const request = parseTopLevel(text, { source: sourceField, version, params: { object: getParams } }, [
    'source',
    'version',
  ]);
  const { format, ...params } = (request.params ?? {}) as Omit<GetParams, 'format'> & { format?: string };
  const parsed = request as unknown as InRequest;
  if (format === 'rootfs' || format === 'oci' || format === 'oci-layout')
    return { ...parsed, params: { ...params, format } };
  // As in Go, an unknown format fails only when something is downloaded; absent means rootfs.
  if (format !== undefined && !params.skip_download) {
    throw new InvalidRequestError(
      `params.format must be one of rootfs, oci, oci-layout; got ${JSON.stringify(format)}`,
    );
  }
  return { ...parsed, params };
}

export function parseOutRequest(text: string): OutRequest {
  const request = parseTopLevel(text, { source: sourceField, params: { object: putParams } }, ['source']);
  const params = (request.params ?? {}) as PutParams;
  if (!params.image) throw new InvalidRequestError('params.image is required');
  return { ...(request as unknown as OutRequest), params };
}

export type { Source };
