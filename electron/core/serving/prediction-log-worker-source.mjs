// The prediction-log writer thread run from its TypeScript source, for tests that import the
// sources (vitest); dist/ runs the compiled prediction-log-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./prediction-log-worker.ts');
