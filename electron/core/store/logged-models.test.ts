import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { LOGGED_MODELS_TAG, recordLoggedModel } from './logged-models.js';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-logged-models-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newRun(): string {
  const experimentId = store.experiments.create(`exp-${Math.random()}`, undefined, []);
  return store.createRun({ experimentId, tags: [] }).info.run_id;
}

const model = (runId: string, artifactPath: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ run_id: runId, artifact_path: artifactPath, utc_time_created: '2026-12-05 21:00:00.000000', flavors: { python_function: {} }, ...extra });

function history(runId: string): Array<{ artifact_path: string }> {
  const tag = store.runs.get(runId).data.tags.find((t) => t.key === LOGGED_MODELS_TAG);
  return tag ? (JSON.parse(tag.value) as Array<{ artifact_path: string }>) : [];
}

function errorOf(fn: () => void): MLDeskError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MLDeskError) return error;
    throw error;
  }
  throw new Error('expected an MLDeskError');
}

describe('recordLoggedModel', () => {
  it('appends each logged model to the run tag MLflow reads', () => {
    const runId = newRun();
    recordLoggedModel(store, runId, model(runId, 'model'));
    recordLoggedModel(store, runId, model(runId, 'model-2'));
    expect(history(runId).map((m) => m.artifact_path)).toEqual(['model', 'model-2']);
  });

  it('drops the oldest entries rather than cut the JSON when the history outgrows 5,000 characters', () => {
    const runId = newRun();
    for (let i = 0; i < 12; i++) recordLoggedModel(store, runId, model(runId, `m${i}`, { padding: 'x'.repeat(900) }));
    const kept = history(runId).map((m) => m.artifact_path);
    expect(kept.length).toBeGreaterThan(2);
    expect(kept.at(-1)).toBe('m11');
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `m${12 - kept.length + i}`));
  });

  it('refuses malformed model info, a description over the limit and deleted runs with a 400', () => {
    const runId = newRun();
    expect(errorOf(() => recordLoggedModel(store, runId, '{"run_id": ')).message).toMatch(/'model_json'.*not valid JSON/);
    expect(errorOf(() => recordLoggedModel(store, runId, '[1]')).message).toMatch(/expected a JSON object/);
    expect(errorOf(() => recordLoggedModel(store, runId, '{"run_id": "x"}')).message).toMatch(/missing mandatory fields: artifact_path, flavors, utc_time_created/);
    const huge = errorOf(() => recordLoggedModel(store, runId, model(runId, 'big', { padding: 'x'.repeat(6000) })));
    expect(huge.httpStatus).toBe(400);
    expect(huge.message).toMatch(/exceeded length limit of 5000/);
    store.runs.setLifecycle(runId, 'deleted');
    expect(errorOf(() => recordLoggedModel(store, runId, model(runId, 'model'))).message).toMatch(/must be in the 'active' state/);
    expect(history(runId)).toEqual([]);
  });
});
