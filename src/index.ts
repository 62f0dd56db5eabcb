// lvslab's library API. Each area exports from its own module; this file only gathers them.
export * from './lab/index.js';
export * from './api/index.js';
