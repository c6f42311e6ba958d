import { config } from 'zod';

/**
 * zod probes for `new Function` to JIT its parsers; our CSP forbids eval, so
 * the probe only produces console errors. Imported first by each entry.
 */
config({ jitless: true });
