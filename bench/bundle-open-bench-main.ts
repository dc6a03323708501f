/**
 * Standalone runner: `npm run build && npx tsx bench/bundle-open-bench-main.ts`. Prints the table on
 * stdout (progress on stderr). BENCH_BUNDLE_RUNS / _METRICS / _STEPS / _ARTIFACT_BYTES shrink the bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBundleOpen, bundleOpenTargetChecks, formatBundleOpenTable } from './bundle-open-bench.js';

const workDir = mkdtempSync(join(tmpdir(), 'mldesk-bundle-open-bench-'));
try {
  const result = await benchBundleOpen({
    workDir,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
    runs: Number(process.env.BENCH_BUNDLE_RUNS ?? 100),
    metrics: Number(process.env.BENCH_BUNDLE_METRICS ?? 10),
    steps: Number(process.env.BENCH_BUNDLE_STEPS ?? 10_000),
    artifactBytes: Number(process.env.BENCH_BUNDLE_ARTIFACT_BYTES ?? 1024 * 1024),
  });
  const checks = bundleOpenTargetChecks(result);
  process.stdout.write(`${formatBundleOpenTable(result)}\n\n${checks.map((c) => `${c.met ? 'MET ' : 'MISSED'} ${c.description}: ${c.measured.toFixed(0)} ms (${c.target})`).join('\n')}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  if (!process.env.BENCH_KEEP_DATA) rmSync(workDir, { recursive: true, force: true });
}
