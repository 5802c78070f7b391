/**
 * fast-check arbitraries for Concourse requests: well-formed ones, the same with one field
 * mutated (wrong type, null, unknown key, removed), and raw text (random, truncated, with a
 * character inserted or flipped, deeply nested).
 *
 * Loopback only: every network-facing field (`repository`, `registry_mirror.host`,
 * `content_trust.server`) names 127.0.0.1 on CLOSED_PORT, and the cloud switches (`aws_region`,
 * `google_auth`, `azure_acr`) are never generated unless `cloud` is asked for (parser-only fuzzing).
 * Text mutations can still change those fields, so a step runs only when `isLoopbackOnly` says so.
 *
 *   requestText(step, { cloud? }) → Arbitrary<string>
 *   isLoopbackOnly(request) → boolean
 *   CLOSED_PORT
 */
import fc from 'fast-check';

export type StepName = 'check' | 'in' | 'out';

/** tcpmux: nothing listens there (the step tests check before they start). */
export const CLOSED_PORT = 1;
const LOOPBACK = `127.0.0.1:${CLOSED_PORT}`;

type FieldType = 'string' | 'boolean' | 'string-or-number' | 'string[]' | 'format';

const credentials = { username: 'string', password: 'string' } as const;
const awsCredentials = {
  aws_access_key_id: 'string',
  aws_secret_access_key: 'string',
  aws_session_token: 'string',
  aws_role_arn: 'string',
  aws_role_arns: 'string[]',
  aws_account_id: 'string',
  aws_ecr_registry_id: 'string',
} as const;
const sourceFields: Record<string, FieldType> = {
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
  ...credentials,
  ...awsCredentials,
  azure_client_id: 'string',
  azure_tenant_id: 'string',
  azure_environment: 'string',
  ca_certs: 'string[]',
  debug: 'boolean',
};
const getParamFields: Record<string, FieldType> = {
  format: 'format',
  skip_download: 'boolean',
  label_regex: 'string',
  annotation_regex: 'string',
  max_expansion_ratio: 'string-or-number',
  ...credentials,
  ...awsCredentials,
};
const putParamFields: Record<string, FieldType> = {
  image: 'string',
  version: 'string-or-number',
  bump_aliases: 'boolean',
  additional_tags: 'string',
  tag_prefix: 'string',
  ...credentials,
  ...awsCredentials,
};
/** Turn a provider on; only for the parser, which never talks to anyone. */
const cloudFields: Record<string, FieldType> = { aws_region: 'string', google_auth: 'boolean', azure_acr: 'boolean' };

/** Strings with the characters that break parsers: quotes, escapes, control and astral characters. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', 'latest', '1.10', '>=1.0', '(', '[a-', '\\', '"', '\u0000', 'sha256:', '../..', '*'),
);

function valueOf(type: FieldType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return text;
    case 'boolean':
      return fc.boolean();
    case 'string-or-number':
      return fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'string[]':
      return fc.array(text, { maxLength: 3 });
    case 'format':
      return fc.oneof({ weight: 6, arbitrary: fc.constantFrom('rootfs', 'oci', 'oci-layout', '') }, text);
  }
}

/** Mostly the right type; sometimes null or any JSON value at all. */
function fieldValue(type: FieldType): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: valueOf(type) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

function someFields(fields: Record<string, FieldType>, maxKeys: number): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, type] of Object.entries(fields)) model[name] = fieldValue(type);
  return fc
    .record(model, { requiredKeys: [] })
    .map((r) => Object.fromEntries(Object.entries(r).slice(0, maxKeys)) as Record<string, unknown>);
}

const repoPath = fc.oneof(
  fc.constantFrom('app', 'library/app', 'a/b/c', 'UPPER', 'x:tag', 'x@sha256:00', ''),
  fc.stringMatching(/^[a-z0-9._/-]{0,20}$/),
);
const repository = repoPath.map((path) => `${LOOPBACK}/${path}`);
const digest = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((h) => `sha256:${h}`),
  fc.constantFrom('sha256:', 'sha512:00', 'md5:abc', ''),
  text,
);
const platform = fc.record({ os: text, architecture: text, variant: text }, { requiredKeys: [] }) as fc.Arbitrary<
  Record<string, unknown>
>;
const version = fc.record({ tag: fieldValue('string-or-number'), digest }, { requiredKeys: ['digest'] });

function source(cloud: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      repository,
      someFields(cloud ? { ...sourceFields, ...cloudFields } : sourceFields, 6),
      fc.option(platform, { nil: undefined }),
      fc.option(
        fc.record(
          {
            host: fc.constantFrom(LOOPBACK, `http://${LOOPBACK}`, `https://${LOOPBACK}`),
            username: text,
            password: text,
          },
          { requiredKeys: ['host'] },
        ),
        { nil: undefined },
      ),
      fc.option(
        fc.record(
          {
            server: fc.constant(`https://${LOOPBACK}`),
            repository_key_id: fc.string({ minLength: 1, maxLength: 8 }),
            repository_key: fc.string({ minLength: 1, maxLength: 8 }),
            repository_passphrase: fc.string({ minLength: 1, maxLength: 8 }),
            best_effort: fc.boolean(),
          },
          { requiredKeys: ['server', 'repository_key_id', 'repository_key', 'repository_passphrase'] },
        ),
        { nil: undefined },
      ),
    )
    .map(([repo, fields, plat, mirror, trust]) => ({
      repository: repo,
      ...fields,
      ...(plat ? { platform: plat } : {}),
      ...(mirror ? { registry_mirror: mirror } : {}),
      ...(trust ? { content_trust: trust } : {}),
    }));
}

function request(step: StepName, cloud: boolean): fc.Arbitrary<Record<string, unknown>> {
  const paramFields = step === 'in' ? getParamFields : step === 'out' ? putParamFields : {};
  const params = someFields(cloud ? { ...paramFields, ...cloudFields } : paramFields, 5);
  return fc.record({
    source: source(cloud),
    version: step === 'out' ? fc.constant(undefined) : step === 'in' ? version : fc.option(version, { nil: undefined }),
    params: step === 'check' ? fc.constant(undefined) : params,
  });
}

type Mutation = (value: Record<string, unknown>) => unknown;

/** One structural change somewhere in the request. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Mutation>((r) => r) },
  fc
    .tuple(fc.constantFrom('source', 'version', 'params'), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]): Mutation => (r) => ({ ...r, [key]: value })),
  fc.constantFrom('source', 'version', 'params').map((key): Mutation => (r) => {
    const { [key]: _gone, ...rest } = r;
    return rest;
  }),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([key, value]): Mutation => (r) => ({ ...r, [key]: value })),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([key, value]): Mutation => (r) => ({ ...r, source: { ...(r.source as object), [key]: value } })),
  fc.constant<Mutation>((r) => [r]),
);

/** A character-level change to the JSON text. */
const textEdit: fc.Arbitrary<(s: string) => string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant((s: string) => s) },
  fc.nat().map((n) => (s: string) => s.slice(0, n % (s.length + 1))),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })).map(([n, c]) => (s: string) => {
    const at = n % (s.length + 1);
    return s.slice(0, at) + c + s.slice(at);
  }),
  fc.nat().map((n) => (s: string) => {
    const at = n % Math.max(1, s.length);
    return s.slice(0, at) + s.slice(at + 1);
  }),
);

/** Request text: valid, mutated, edited, or not a request at all. */
export function requestText(step: StepName, options: { cloud?: boolean } = {}): fc.Arbitrary<string> {
  const structured = fc
    .tuple(request(step, options.cloud === true), mutation, textEdit)
    .map(([r, mutate, edit]) => edit(JSON.stringify(mutate(r))));
  return fc.oneof(
    { weight: 12, arbitrary: structured },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('[', '{"source":', '{"a":[', '"'), fc.integer({ min: 1, max: 5000 }))
        .map(([open, depth]) => open.repeat(depth)),
    },
  );
}

const LOOPBACK_REPOSITORY = new RegExp(`^127\\.0\\.0\\.1:${CLOSED_PORT}/`);
const LOOPBACK_HOST = new RegExp(`^(https?://)?127\\.0\\.0\\.1:${CLOSED_PORT}/?$`);

/** True when a parsed request can only talk to 127.0.0.1:CLOSED_PORT and turns on no cloud provider. */
export function isLoopbackOnly(request: { source: object; params?: object }): boolean {
  const source = request.source as Record<string, unknown>;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const mirror = source.registry_mirror as { host?: unknown } | undefined;
  const trust = source.content_trust as { server?: unknown } | undefined;
  return (
    typeof source.repository === 'string' &&
    LOOPBACK_REPOSITORY.test(source.repository) &&
    (mirror === undefined || (typeof mirror.host === 'string' && LOOPBACK_HOST.test(mirror.host))) &&
    (trust === undefined || (typeof trust.server === 'string' && LOOPBACK_HOST.test(trust.server))) &&
    !source.aws_region &&
    !params.aws_region &&
    !source.google_auth &&
    !source.azure_acr
  );
}
