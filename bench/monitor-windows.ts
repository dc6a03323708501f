/**
 * How long the window engine takes to catch up on a big prediction log: N predictions of a
 * 30-feature churn model (default 1,000,000) in a fresh data dir, a stored reference profile,
 * then one pass computing and storing every closed count window (1,000 rows each), and a second
 * pass with nothing new. Run: `npx tsx bench/monitor-windows.ts [rows]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREDICTION_COLUMN } from '../shared/monitoring.js';
import { generateTabular } from '../electron/core/data/synthetic.js';
import { profileColumn } from '../electron/core/monitoring/drift.js';
import { writeMonitorSettings } from '../electron/core/monitoring/monitor-settings.js';
import { computeClosedWindows } from '../electron/core/monitoring/window-engine.js';
import { ModelRegistry } from '../electron/core/registry/model-registry.js';
import { TrackingStore } from '../electron/core/store/tracking-store.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const FEATURES = 30;
const dir = mkdtempSync(join(tmpdir(), 'mldesk-bench-windows-'));
const store = TrackingStore.open(dir);
try {
  const registry = new ModelRegistry(store.db);
  registry.createModel('churn');
  registry.createVersion('churn', { source: '/models/churn' });
  const versionPk = registry.versionRow('churn', 1).version_pk;
  const reference = generateTabular({ rows: 20_000, seed: 1, features: FEATURES });
  const names = reference.columns.slice(0, FEATURES);
  const label = (row: (string | number | boolean | null)[]) => ((row[1] as number) > 80 ? 'yes' : 'no');
  const profile = {
    rows: reference.rows.length,
    columns: names.map((name, j) => profileColumn(name, reference.rows.map((r) => r[j] ?? null))),
    prediction: profileColumn(PREDICTION_COLUMN, reference.rows.map(label)),
  };
  const now = Date.now();
  store.db
    .prepare(
      `INSERT INTO monitoring_references (version_pk, dataset_ref, dataset_sha256, source, status, profile_json, created_time, updated_time)
       VALUES (?, 'churn@1', ?, 'manual', 'ready', ?, ?, ?)`,
    )
    .run(versionPk, 'b'.repeat(64), JSON.stringify(profile), now, now);
  writeMonitorSettings(store.db, 'churn', { window: { by: 'count', size: 1000 }, minWindowRows: 30, datasetShare: 0.5, overrides: {} });

  let started = performance.now();
  const insert = store.db.prepare(
    `INSERT INTO predictions (request_id, model_name, model_version, inputs_json, output_json, predicted_label, latency_us, endpoint, created_time)
     VALUES (?, 'churn', 1, ?, ?, ?, 100, 'invocations', ?)`,
  );
  for (let from = 0; from < rows; from += 50_000) {
    const part = generateTabular({ rows: Math.min(50_000, rows - from), seed: 2 + from, features: FEATURES, drift: from >= rows / 2 ? 0.5 : 0 });
    store.db.transaction(() => {
      part.rows.forEach((row, i) => {
        const l = label(row);
        const inputs = Object.fromEntries(names.map((n, j) => [n, row[j] ?? null]));
        insert.run(`r${from + i}`, JSON.stringify(inputs), JSON.stringify({ label: l, probabilities: { no: l === 'no' ? 0.7 : 0.3, yes: l === 'yes' ? 0.7 : 0.3 } }), l, now - rows + from + i);
      });
    })();
  }
  console.log(`seeded ${rows.toLocaleString('en-US')} predictions x ${FEATURES} features in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  const pass = await computeClosedWindows(store.db, versionPk);
  const seconds = (performance.now() - started) / 1000;
  console.log(`first pass: ${pass.stored} windows (${pass.rows.toLocaleString('en-US')} rows) in ${seconds.toFixed(2)} s = ${Math.round(pass.rows / seconds).toLocaleString('en-US')} rows/s`);
  started = performance.now();
  const again = await computeClosedWindows(store.db, versionPk);
  console.log(`second pass (nothing new): ${again.stored} windows in ${(performance.now() - started).toFixed(1)} ms`);
  console.log(`peak RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
