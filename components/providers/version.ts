// The engine runs Read and Delete with the provider text stored at a resource's
// last create or update, so a fix to read() or delete() reaches an existing
// stack only when that resource next updates. Every membership resource takes
// this version as an input: raising it (with any change to the providers'
// code that read or delete must see) makes the next `up` an update with no
// cluster call, which stores the new text. History:
//   1 (implicit: no input) -> 2: refresh through the real provider host (no
//   undefined values), confirmed-leader refresh, drift reported, hard deadlines.
//   2 -> 3: plain Bolt only (TuGraph's Bolt has no TLS); AdminPassword's refresh logs
//   in only with the password its state records (version 2 tried older ones and
//   TuGraph's default, and TuGraph logs every refused password), and records a verifier.
export const PROVIDER_VERSION = 3;
