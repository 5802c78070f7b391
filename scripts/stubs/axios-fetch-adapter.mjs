// Build-time stand-in for axios' fetch adapter: we always use its `http` adapter, and the real
// module probes globalThis.fetch at import, which makes Node load undici (~17 ms per process).
export const getFetch = () => undefined;
export default undefined;
