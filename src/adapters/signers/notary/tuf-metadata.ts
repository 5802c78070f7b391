import { goHtmlEscape, type JsonValue } from './canonical-json';

/**
 * The TUF documents a Notary collection serves, reduced to the fields notary's Go structs know.
 * Uploads must be rebuilt from these fields only: notary-server hashes its own re-serialisation
 * of the struct, so an extra or reshaped field is stored but breaks every reader.
 */
export interface TufKey {
  readonly keytype: string;
  readonly keyval: { readonly public: string; readonly private: string | null };
}

export interface TufRole {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

export interface TufSignature {
  readonly keyid: string;
  readonly method: string;
  readonly sig: string;
}

export interface RootSigned {
  readonly keys: Readonly<Record<string, TufKey>>;
  readonly roles: Readonly<Record<string, TufRole>>;
  readonly expires: string;
  readonly version: number;
}

export interface TargetFile {
  readonly hashes: Readonly<Record<string, string>>;
  readonly length: number;
  readonly custom?: JsonValue;
}

export interface DelegationRole extends TufRole {
  readonly name: string;
  /** Prefixes of the target names the role may sign; `""` allows every name. */
  readonly paths: readonly string[];
}

export interface TargetsSigned {
  readonly _type: 'Targets';
  readonly delegations: { readonly keys: Readonly<Record<string, TufKey>>; readonly roles: readonly DelegationRole[] };
  readonly expires: string;
  readonly targets: Readonly<Record<string, TargetFile>>;
  readonly version: number;
}

/** A document as served: its `signed` part exactly as parsed (what signatures cover) and its signatures. */
export interface SignedDocument {
  readonly signed: JsonValue;
  readonly signatures: readonly TufSignature[];
}

export class MetadataError extends Error {
  override readonly name = 'MetadataError';
}

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function object(value: JsonValue | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new MetadataError(`${what} is not an object`);
  return value;
}

function string(value: JsonValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new MetadataError(`${what} is not a string`);
  return value;
}

function integer(value: JsonValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new MetadataError(`${what} is not an integer`);
  return value;
}

function strings(value: JsonValue | undefined, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MetadataError(`${what} is not an array`);
  return value.map((v, i) => string(v, `${what}[${i}]`));
}

function record<T>(
  value: JsonValue | undefined,
  what: string,
  each: (v: JsonValue, what: string) => T,
): Record<string, T> {
  if (value === undefined || value === null) return {};
  const out: Record<string, T> = {};
  for (const [key, v] of Object.entries(object(value, what))) out[key] = each(v, `${what}.${key}`);
  return out;
}

/** Parse a served document: `{"signed": …, "signatures": […]}`. */
export function parseSignedDocument(bytes: Buffer, what: string): SignedDocument {
  let json: JsonValue;
  try {
    json = JSON.parse(bytes.toString('utf8')) as JsonValue;
  } catch {
    throw new MetadataError(`${what} is not JSON`);
  }
  const doc = object(json, what);
  const signatures = (Array.isArray(doc.signatures) ? doc.signatures : []).map((s, i) => {
    const sig = object(s, `${what} signatures[${i}]`);
    return {
      keyid: string(sig.keyid, `${what} signatures[${i}].keyid`),
      method: string(sig.method, `${what} signatures[${i}].method`),
      sig: string(sig.sig, `${what} signatures[${i}].sig`),
    };
  });
  return { signed: object(doc.signed, `${what} signed`), signatures };
}

function tufKey(value: JsonValue, what: string): TufKey {
  const key = object(value, what);
  const keyval = object(key.keyval, `${what}.keyval`);
  return {
    keytype: string(key.keytype, `${what}.keytype`),
    keyval: {
      public: string(keyval.public, `${what}.keyval.public`),
      private:
        keyval.private === null || keyval.private === undefined
          ? null
          : string(keyval.private, `${what}.keyval.private`),
    },
  };
}

function tufRole(value: JsonValue, what: string): TufRole {
  const role = object(value, what);
  return { keyids: strings(role.keyids, `${what}.keyids`), threshold: integer(role.threshold, `${what}.threshold`) };
}

function expectType(signed: JsonObject, type: string, what: string): void {
  if (signed._type !== type)
    throw new MetadataError(`${what} has _type ${JSON.stringify(signed._type)}, expected ${type}`);
}

export function parseRoot(doc: SignedDocument): RootSigned {
  const signed = object(doc.signed, 'root');
  expectType(signed, 'Root', 'root');
  return {
    keys: record(signed.keys, 'root keys', tufKey),
    roles: record(signed.roles, 'root roles', tufRole),
    expires: string(signed.expires, 'root expires'),
    version: integer(signed.version, 'root version'),
  };
}

function targetFile(value: JsonValue, what: string): TargetFile {
  const file = object(value, what);
  const base = {
    hashes: record(file.hashes, `${what}.hashes`, string),
    length: integer(file.length, `${what}.length`),
  };
  return file.custom === undefined || file.custom === null ? base : { ...base, custom: file.custom };
}

function delegationRole(value: JsonValue, what: string): DelegationRole {
  const role = object(value, what);
  return {
    ...tufRole(role, what),
    name: string(role.name, `${what}.name`),
    paths: strings(role.paths, `${what}.paths`),
  };
}

/** The Targets struct of a targets or delegation document; unknown fields are dropped. */
export function parseTargets(doc: SignedDocument, what: string): TargetsSigned {
  const signed = object(doc.signed, what);
  expectType(signed, 'Targets', what);
  const delegations = isObject(signed.delegations) ? signed.delegations : {};
  const roles = delegations.roles;
  if (roles !== undefined && roles !== null && !Array.isArray(roles))
    throw new MetadataError(`${what} delegations.roles is not an array`);
  return {
    _type: 'Targets',
    delegations: {
      keys: record(delegations.keys, `${what} delegations.keys`, tufKey),
      roles: (roles ?? []).map((r, i) => delegationRole(r, `${what} delegations.roles[${i}]`)),
    },
    expires: string(signed.expires, `${what} expires`),
    targets: record(signed.targets, `${what} targets`, targetFile),
    version: integer(signed.version, `${what} version`),
  };
}

/** A role that has never been published (a delegation's first signature). */
export function emptyTargets(): TargetsSigned {
  return { _type: 'Targets', delegations: { keys: {}, roles: [] }, expires: '', targets: {}, version: 0 };
}

/** The Targets struct as the JSON value Go serialises it to (empty `paths` and absent `custom` omitted). */
export function targetsJson(targets: TargetsSigned): JsonValue {
  const key = (k: TufKey): JsonValue => ({
    keytype: k.keytype,
    keyval: { private: k.keyval.private, public: k.keyval.public },
  });
  const keys = (ks: Readonly<Record<string, TufKey>>): JsonValue =>
    Object.fromEntries(Object.entries(ks).map(([id, k]) => [id, key(k)]));
  return {
    _type: targets._type,
    delegations: {
      keys: keys(targets.delegations.keys),
      roles: targets.delegations.roles.map((r) => ({
        keyids: [...r.keyids],
        name: r.name,
        ...(r.paths.length > 0 ? { paths: [...r.paths] } : {}),
        threshold: r.threshold,
      })),
    },
    expires: targets.expires,
    targets: Object.fromEntries(
      Object.entries(targets.targets).map(([name, f]) => [
        name,
        {
          ...(f.custom !== undefined ? { custom: f.custom } : {}),
          hashes: { ...f.hashes },
          length: f.length,
        },
      ]),
    ),
    version: targets.version,
  };
}

/**
 * The upload bytes, exactly as notary-server re-serialises them: `signed` first (canonical,
 * then HTML-escaped as Go embeds it), then the signatures in Go's field order.
 */
export function serializeSigned(canonicalSigned: Buffer, signatures: readonly TufSignature[]): Buffer {
  const sigs = signatures
    .map(
      (s) => `{"keyid":${JSON.stringify(s.keyid)},"method":${JSON.stringify(s.method)},"sig":${JSON.stringify(s.sig)}}`,
    )
    .join(',');
  return Buffer.from(`{"signed":${goHtmlEscape(canonicalSigned.toString('utf8'))},"signatures":[${sigs}]}`, 'utf8');
}
