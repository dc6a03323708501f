/**
 * Standalone runner: `npm run build && npx tsx bench/training-bench-main.ts [--with-cpu]`. Prints
 * the figures as JSON on stdout (progress on stderr). BENCH_TRAIN_ROWS shrinks the data set.
 */
import { benchTraining } from './training-bench.js';

const rows = Number(process.env.BENCH_TRAIN_ROWS ?? 50_000);
const result = await benchTraining({
  log: (line) => process.stderr.write(`[bench] ${line}\n`),
  rows,
  backends: process.argv.includes('--with-cpu') ? ['auto', 'cpu'] : ['auto'],
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
