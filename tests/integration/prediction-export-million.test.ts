import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { seedPredictions } from './prediction-rows.js';
import { cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

/**
 * The prediction log's CSV export is streamed: a million rows (about 120 MB of CSV) go out while
 * the server's resident memory stays within a bound far below the file's size. Prints the time
 * and the memory figures.
 */

const ROWS = 1_000_000;
/**
 * What the export may add to the server's resident memory, whatever the row count: SQLite's page
 * cache (64 MB, database.ts) fills as the table is read, and V8 keeps some garbage between
 * collections. Building the file in memory would take more than twice its 106 MB (text + bytes).
 */
const RSS_BOUND_MB = 200;

let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

it(`exports ${ROWS.toLocaleString('en')} prediction-log rows as CSV in bounded memory`, { timeout: 900_000 }, async () => {
  const dataDir = await makeTempDir('million');
  server = await startServer({ dataDir });
  const seeded = performance.now();
  seedPredictions(dataDir, { model: 'churn', count: ROWS, actual: (i) => (i % 4 === 0 ? 'no' : undefined) });
  const seedSeconds = (performance.now() - seeded) / 1000;
  const pid = server.child.pid!;
  // A first small export warms the code paths, so the baseline holds what any request costs.
  await (await fetch(`${server.url}/app-files/exports/predictions.csv?q=${encodeURIComponent(JSON.stringify({ model: 'churn', requestId: 'churn-000000001' }))}`)).text();
  const baseline = rssMb(pid);

  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const started = performance.now();
  const response = await fetch(`${server.url}/app-files/exports/predictions.csv?q=${encodeURIComponent(JSON.stringify({ model: 'churn' }))}`);
  expect(response.status).toBe(200);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body!) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));

  console.log(
    `prediction-log CSV export: ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s ` +
      `(${Math.round(ROWS / seconds).toLocaleString('en')} rows/s); server RSS ${baseline.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB ` +
      `(+${(peak - baseline).toFixed(0)} MB); seeding took ${seedSeconds.toFixed(1)} s`,
  );
  expect(lines).toBe(ROWS + 1);
  expect(bytes).toBeGreaterThan(100e6);
  expect(peak - baseline).toBeLessThan(RSS_BOUND_MB);
});
