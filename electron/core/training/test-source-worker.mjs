// The training worker run from its TypeScript source, so tests that fork it need no
// `npm run build` (only *.test.ts files use this; it is not compiled into dist/).
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
