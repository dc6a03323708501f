/**
 * Standalone runner: `npm run build && npx tsx bench/drift-bench-main.ts`. Prints the table on
 * stdout (progress on stderr). BENCH_DRIFT_REFERENCE_ROWS / BENCH_DRIFT_CURRENT_ROWS shrink the files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDrift, driftTargetChecks, formatDriftTable } from './drift-bench.js';

const workDir = mkdtempSync(join(tmpdir(), 'mldesk-drift-bench-'));
try {
  const result = await benchDrift({
    workDir,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
    referenceRows: Number(process.env.BENCH_DRIFT_REFERENCE_ROWS ?? 50_000),
    currentRows: Number(process.env.BENCH_DRIFT_CURRENT_ROWS ?? 200_000),
  });
  process.stdout.write(`${formatDriftTable(result, driftTargetChecks(result))}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  if (!process.env.BENCH_KEEP_DATA) rmSync(workDir, { recursive: true, force: true });
}
