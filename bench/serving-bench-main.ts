/** Standalone runner: `npm run build && npx tsx bench/serving-bench-main.ts`. Prints the table and JSON. */
import { benchServing, formatServingTable, servingTargetChecks } from './serving-bench.js';

const result = await benchServing({ log: (line) => process.stderr.write(`[bench] ${line}\n`), seconds: Number(process.env.BENCH_SERVING_SECONDS ?? 8) });
process.stdout.write(`${formatServingTable(result, servingTargetChecks(result))}\n\n${JSON.stringify(result, null, 2)}\n`);
