/** Policy triggers on a real lineage database: only what is new since the policy was set (or last ran) fires. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../../data/dataset-store.js';
import { ModelRegistry } from '../../registry/model-registry.js';
import { TrackingStore } from '../../store/tracking-store.js';
import { dueTrigger } from './ct-triggers.js';
import { getPolicy, readTriggerState, setPolicy } from './policy-store.js';

let dir: string;
let store: TrackingStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-ct-triggers-'));
  store = TrackingStore.open(dir);
  new ModelRegistry(store.db).createModel('churn');
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function labelRows(count: number, from: number): void {
  const insert = store.db.prepare(
    `INSERT INTO predictions (request_id, model_name, model_version, inputs_json, output_json, latency_us, endpoint, created_time) VALUES (?, 'churn', 1, '{}', '{}', 1, 'tfserving', 1)`,
  );
  const label = store.db.prepare(`INSERT INTO prediction_feedback (prediction_pk, actual_label, created_time) VALUES (?, 'yes', 1)`);
  for (let i = from; i < from + count; i++) label.run(Number(insert.run(`r${i}`).lastInsertRowid));
}

describe('dueTrigger', () => {
  it('fires on N new labelled rows, a new dataset version and the schedule, each only once', async () => {
    labelRows(5, 0);
    const policy = setPolicy(
      store.db,
      'churn',
      {
        triggers: [{ type: 'labelled_rows', count: 3 }, { type: 'dataset_version', dataset: 'churn-data' }, { type: 'schedule', everyMinutes: 60 }, { type: 'manual' }],
        project: 'mlp',
        holdout: 'churn-holdout',
        metric: { name: 'accuracy', goal: 'maximize' },
      },
      1_000_000,
    );
    expect(getPolicy(store.db, 'churn')).toEqual(policy);
    // The 5 rows labelled before the policy existed do not count.
    let state = readTriggerState(store.db, 'churn');
    expect(dueTrigger(store.db, policy, state, 1_000_000 + 60_000)).toBeNull();

    labelRows(3, 5);
    const rows = dueTrigger(store.db, policy, state, 1_000_000 + 60_000)!;
    expect(rows.trigger).toEqual({ type: 'labelled_rows', detail: '3 new labelled prediction rows (threshold 3)' });
    state = rows.state;
    expect(dueTrigger(store.db, policy, state, 1_000_000 + 60_000)).toBeNull();

    const file = join(dir, 'churn.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    await new DatasetStore(store.db, dir).importFile(file, { name: 'churn-data' });
    const dataset = dueTrigger(store.db, policy, state, 1_000_000 + 60_000)!;
    expect(dataset.trigger).toEqual({ type: 'dataset_version', detail: 'new version churn-data@1' });
    state = dataset.state;

    expect(dueTrigger(store.db, policy, state, 1_000_000 + 3_599_999)).toBeNull();
    const scheduled = dueTrigger(store.db, policy, state, 1_000_000 + 3_600_000)!;
    expect(scheduled.trigger.type).toBe('schedule');
    expect(dueTrigger(store.db, policy, scheduled.state, 1_000_000 + 3_600_001)).toBeNull();
  });

  it('refuses a policy for a model that does not exist, and keeps the stored one on a bad update', () => {
    expect(() => setPolicy(store.db, 'nope', {})).toThrow('Registered Model with name=nope not found');
    const before = getPolicy(store.db, 'churn');
    expect(() => setPolicy(store.db, 'churn', { ...before, margin: -1 })).toThrow(/margin: /);
    expect(getPolicy(store.db, 'churn')).toEqual(before);
  });
});
