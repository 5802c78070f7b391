// Build-time stand-in for the `form-data` package: axios imports it for multipart bodies, which
// this resource never sends. Loading the real one (with mime-db) cost ~19 ms of every check.
export default class FormData {}
