/** Standalone runner: `npm run build && npx tsx bench/mlflow-client-bench-main.ts`. Prints the table and JSON. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMlflowClient, formatMlflowClientTable } from './mlflow-client-bench.js';

const workDir = mkdtempSync(join(tmpdir(), 'mldesk-client-bench-'));
try {
  const result = await benchMlflowClient({ workDir, log: (line) => process.stderr.write(`[bench] ${line}\n`) });
  process.stdout.write(`${formatMlflowClientTable(result)}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
