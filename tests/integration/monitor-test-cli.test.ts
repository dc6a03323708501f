/**
 * `mldesk monitor test` as a user runs it: a churn model trained by `mldesk train` in a child
 * process, registered, then tested on its own training data (the overlap warning), on a fresh
 * generated dataset (no warning), and on a test set cut half from the training file. The stored
 * tests are read back from the real SQLite file. Needs `npm run build`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QualityTestSchema } from '../../shared/app-api/quality-tests.js';
import { listQualityTests } from '../../electron/core/monitoring/quality-tests.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

afterAll(async () => {
  await cleanupTempDirs();
});

let dataDir = '';
let files = '';

async function cli(args: string[]) {
  const result = await runCli([...args, '--data-dir', dataDir], { timeoutMs: 60_000 });
  return result;
}

/** The --json answer without the fields only a stored test has. */
const summary = QualityTestSchema.omit({ evaluation: true }).extend({ ok: z.literal(true) });

async function testJson(args: string[]) {
  const result = await cli(['monitor', 'test', ...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { ...result, test: summary.parse(JSON.parse(lines[0]!)) };
}

beforeAll(async () => {
  dataDir = await makeTempDir('monitor-test');
  files = await makeTempDir('monitor-test-files');
  for (const [name, rows, seed] of [
    ['train', 600, 1],
    ['fresh', 300, 2],
  ] as const) {
    expect((await runCli(['data', 'generate', '--out', join(files, `${name}.csv`), '--rows', String(rows), '--seed', String(seed)])).code).toBe(0);
  }
  // A test set that is half training rows (renumbered and reordered) and half new ones.
  const [header, ...trainRows] = readFileSync(join(files, 'train.csv'), 'utf8').trim().split('\n');
  const freshRows = readFileSync(join(files, 'fresh.csv'), 'utf8').trim().split('\n').slice(1);
  writeFileSync(join(files, 'mixed.csv'), `${header}\n${[...freshRows.slice(0, 100), ...trainRows.slice(0, 100).reverse()].join('\n')}\n`);
  // The same rows without the label column: nothing to score against.
  writeFileSync(join(files, 'unlabelled.csv'), readFileSync(join(files, 'fresh.csv'), 'utf8').replace(/,[^,\n]*$/gm, ''));
  for (const name of ['train', 'fresh', 'mixed', 'unlabelled']) {
    expect((await cli(['data', 'import', join(files, `${name}.csv`), '--name', `churn-${name}`])).code).toBe(0);
  }
  const trained = await cli(['train', '--dataset', 'churn-train', '--target', 'churned', '--epochs', '5', '--seed', '1', '--json']);
  expect(trained.code, trained.stderr).toBe(0);
  const { run_id: runId } = JSON.parse(trained.stdout.trim().split('\n')[0]!) as { run_id: string };
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn-model');
    registry.createVersion('churn-model', { source: `runs:/${runId}/model`, runId });
  } finally {
    store.close();
  }
}, 120_000);

describe('mldesk monitor test', () => {
  it('on the training data itself: every row overlaps, and it says so', async () => {
    const { test, stderr } = await testJson(['churn-model/1', '--dataset', 'churn-train']);
    expect(test).toMatchObject({ model: 'churn-model', version: '1', task: 'classification', rows: 600, dataset: { ref: 'churn-train@1', rows: 600 }, training: { ref: 'churn-train@1' } });
    expect(test.overlap).toMatchObject({ rows: 600, share: 1, checked: true });
    expect(test.overlap.warning).toContain('600 of 600 evaluated rows (100%) are also rows of the training data churn-train@1');
    expect(stderr).toContain('warning: 600 of 600');
    expect(test.metrics.accuracy).toBeGreaterThan(0.6);

    const human = await cli(['monitor', 'test', 'churn-model/1', '--dataset', 'churn-train@1']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Quality test #\d+: churn-model\/1 on churn-train@1 \(sha256 [0-9a-f]{12}…, 600 rows; 600 scored\)/);
    expect(human.stdout).toMatch(/^ {2}accuracy\s+0\.\d{4}$/m);
    expect(human.stdout).toContain('WARNING: 600 of 600 evaluated rows (100%)');
  }, 60_000);

  it('on a fresh generated dataset: no overlap, no warning, figures that agree with their definitions', async () => {
    const { test, stderr } = await testJson(['churn-model/1', '--dataset', 'churn-fresh']);
    expect(test.overlap).toEqual({ rows: 0, share: 0, warning: null, checked: true });
    expect(stderr).not.toContain('warning');
    const m = test.metrics;
    expect(m.accuracy).toBeGreaterThan(0.5);
    // F1 of a class is the harmonic mean of its precision and recall; macro F1 their mean.
    for (const c of ['no', 'yes']) expect(m[`f1:${c}`]).toBeCloseTo((2 * m[`precision:${c}`]! * m[`recall:${c}`]!) / (m[`precision:${c}`]! + m[`recall:${c}`]!), 12);
    expect(m.f1_macro).toBeCloseTo((m['f1:no']! + m['f1:yes']!) / 2, 12);
    expect(m.roc_auc).toBeGreaterThan(0.5);
    expect(m.log_loss).toBeGreaterThan(0);
  }, 60_000);

  it('on a test set cut half from the training file (reordered): half the rows overlap', async () => {
    const { test } = await testJson(['churn-model/1', '--dataset', 'churn-mixed@1']);
    expect(test.overlap).toMatchObject({ rows: 100, share: 0.5 });
    expect(test.overlap.warning).toContain('100 of 200 evaluated rows (50.0%)');
  }, 60_000);

  it('exits 2 naming what is wrong: the dataset, the version, the flag, the label column', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['churn-model/1', '--dataset', 'no-such-data'], /No dataset named 'no-such-data'/],
      [['churn-model/1', '--dataset', 'churn-fresh@7'], /Dataset 'churn-fresh' has no version 7/],
      [['churn-model/9', '--dataset', 'churn-fresh'], /version=9/],
      [['churn-model/x', '--dataset', 'churn-fresh'], /version after '\/' must be a positive integer/],
      [['churn-model/1'], /--dataset/],
      [['churn-model/1', '--dataset', 'churn-unlabelled'], /has no column 'churned', the label the model predicts/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['monitor', 'test', ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const json = await cli(['monitor', 'test', 'churn-model/1', '--dataset', 'no-such-data', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
  }, 60_000);

  it('a regressor gets RMSE, MAE and R² under the windows\' names', async () => {
    for (const [name, seed] of [
      ['ltv-train', 3],
      ['ltv-fresh', 4],
    ] as const) {
      expect((await runCli(['data', 'generate', '--task', 'regression', '--out', join(files, `${name}.csv`), '--rows', '400', '--seed', String(seed)])).code).toBe(0);
      expect((await cli(['data', 'import', join(files, `${name}.csv`), '--name', name])).code).toBe(0);
    }
    const trained = await cli(['train', '--dataset', 'ltv-train', '--target', 'lifetime_value', '--epochs', '5', '--seed', '1', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const { run_id: runId } = JSON.parse(trained.stdout.trim().split('\n')[0]!) as { run_id: string };
    const store = TrackingStore.open(dataDir);
    try {
      const registry = new ModelRegistry(store.db);
      registry.createModel('ltv-model');
      registry.createVersion('ltv-model', { source: `runs:/${runId}/model`, runId });
    } finally {
      store.close();
    }
    const { test } = await testJson(['ltv-model/1', '--dataset', 'ltv-fresh']);
    expect(test).toMatchObject({ task: 'regression', rows: 400, training: { ref: 'ltv-train@1' }, overlap: { rows: 0, warning: null } });
    expect(Object.keys(test.metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(test.metrics.rmse).toBeGreaterThanOrEqual(test.metrics.mae!);
    expect(test.metrics.mae).toBeGreaterThan(0);
    expect(test.metrics.r2).toBeLessThan(1);
  }, 120_000);

  it('keeps every test with its lineage in the data directory, newest first', async () => {
    const store = TrackingStore.open(dataDir);
    try {
      const tests = listQualityTests(new ModelRegistry(store.db), store.db, 'churn-model', '1');
      expect(tests.map((t) => t.dataset.ref)).toEqual(['churn-mixed@1', 'churn-fresh@1', 'churn-train@1', 'churn-train@1']);
      for (const t of tests) QualityTestSchema.parse(t);
      const rows = store.db
        .prepare("SELECT dataset_ref, dataset_sha256, training_ref, overlap_rows FROM quality_tests WHERE dataset_ref LIKE 'churn-%' ORDER BY test_pk")
        .all() as Array<Record<string, unknown>>;
      expect(rows.map((r) => [r.dataset_ref, r.training_ref, r.overlap_rows])).toEqual([
        ['churn-train@1', 'churn-train@1', 600],
        ['churn-train@1', 'churn-train@1', 600],
        ['churn-fresh@1', 'churn-train@1', 0],
        ['churn-mixed@1', 'churn-train@1', 100],
      ]);
      expect(rows[2]!.dataset_sha256).toBe(tests[1]!.dataset.sha256);
    } finally {
      store.close();
    }
  });
});
