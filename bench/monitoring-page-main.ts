/**
 * Standalone runner: `npm run build && npx tsx bench/monitoring-page-main.ts`. Prints the table on
 * stdout (progress on stderr). BENCH_MONITORING_PREDICTIONS and BENCH_MONITORING_WINDOWS shrink it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMonitoringPage, formatMonitoringPageTable } from './monitoring-page.js';

const workDir = mkdtempSync(join(tmpdir(), 'mldesk-bench-monitoring-'));
try {
  const result = await benchMonitoringPage({
    workDir,
    predictions: Number(process.env.BENCH_MONITORING_PREDICTIONS ?? 1_000_000),
    features: 30,
    windows: Number(process.env.BENCH_MONITORING_WINDOWS ?? 1000),
    repeats: 5,
    screenshotsDir: fileURLToPath(new URL('./results/', import.meta.url)),
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  process.stdout.write(`${formatMonitoringPageTable(result)}\n`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
