export const CheckSettings = Symbol('CheckSettings');

/** Tunables of `check`, bound by the entrypoint. */
export interface CheckSettings {
  /** Manifest lookups in flight at once when resolving many tags. */
  readonly lookupConcurrency: number;
}
