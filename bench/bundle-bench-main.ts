/**
 * Standalone runner: `npm run build && npx tsx bench/bundle-bench-main.ts`. Prints the table on
 * stdout (progress on stderr). BENCH_BUNDLE_RUNS / BENCH_BUNDLE_STEPS shrink it for a quick look.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBundle, bundleTargetChecks, formatBundleTable } from './bundle-bench.js';

const workDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'mldesk-bundle-bench-'));
try {
  const result = await benchBundle({
    workDir,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
    runs: Number(process.env.BENCH_BUNDLE_RUNS ?? 100),
    steps: Number(process.env.BENCH_BUNDLE_STEPS ?? 10_000),
  });
  process.stdout.write(`${formatBundleTable(result, bundleTargetChecks(result))}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  if (!process.env.BENCH_KEEP_DATA) rmSync(workDir, { recursive: true, force: true });
}
