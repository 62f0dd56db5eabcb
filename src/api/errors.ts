// The error the library API throws for a call it cannot carry out (a bad option, an unknown host),
// in a module of its own so the API's helpers can throw it without importing up.ts.
export class LabApiError extends Error {
  override name = 'LabApiError';
}
