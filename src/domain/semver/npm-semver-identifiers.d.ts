// Only npm semver's identifier comparison is used; importing its module alone keeps the rest of
// the package (ranges, coercion) out of the bundles. @types/semver types that module under
// `internals/`, the package ships it under `internal/`.
declare module 'semver/internal/identifiers' {
  export { compareIdentifiers } from 'semver/internals/identifiers';
}
