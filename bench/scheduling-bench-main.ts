/**
 * Standalone runner: `npm run build && npx tsx bench/scheduling-bench-main.ts`. Prints the table on
 * stdout (progress on stderr). BENCH_SCHEDULING_TRIALS changes the trial count (default 200);
 * BENCH_SCHEDULING_COMMAND='/bin/true' times another no-op command (default: node -e ""; `npm run bench` times both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchScheduling, formatSchedulingTable } from './scheduling-bench.js';

const workDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'mldesk-scheduling-bench-'));
try {
  const command = process.env.BENCH_SCHEDULING_COMMAND ? process.env.BENCH_SCHEDULING_COMMAND.split(' ') : undefined;
  const result = await benchScheduling({ workDir, log: (line) => process.stderr.write(`[bench] ${line}\n`), trials: Number(process.env.BENCH_SCHEDULING_TRIALS ?? 200), command });
  process.stdout.write(`${formatSchedulingTable(result)}\n\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  if (!process.env.BENCH_KEEP_DATA) rmSync(workDir, { recursive: true, force: true });
}
