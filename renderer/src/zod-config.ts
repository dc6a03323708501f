import { z } from 'zod';

/**
 * zod v4 compiles object parsers with `new Function` after probing whether that is allowed. The
 * UI's CSP forbids eval, so the probe is refused and the browser logs a CSP violation on every
 * page load. `jitless` skips both the probe and the compiled parsers (the UI parses little).
 * The choice is read when a schema is built, so this module is imported first by main.tsx and by
 * app-client.ts (the bundler may put the shared schemas in a chunk that runs before main.tsx's own code).
 */
z.config({ jitless: true });
