/**
 * Standalone runner: `npm run build && npx tsx bench/tracking-latency-main.ts`. Prints the table and
 * JSON. BENCH_LATENCY_CALLS and BENCH_LATENCY_ROUNDS change how many calls are timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeHttpClient } from './http-client.js';
import { benchTrackingLatency, formatTrackingLatencyTable, trackingLatencyTargetChecks } from './tracking-latency.js';

const workDir = mkdtempSync(join(tmpdir(), 'mldesk-bench-latency-'));
try {
  const result = await benchTrackingLatency({
    workDir,
    calls: Number(process.env.BENCH_LATENCY_CALLS ?? 200),
    rounds: Number(process.env.BENCH_LATENCY_ROUNDS ?? 3),
    warmUp: 20,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  process.stdout.write(`${formatTrackingLatencyTable(result, trackingLatencyTargetChecks(result))}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  closeHttpClient();
  if (process.env.BENCH_KEEP_DATA) process.stderr.write(`[bench] data kept in ${workDir}\n`);
  else rmSync(workDir, { recursive: true, force: true });
}
