import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../core/services.js';
import { TrackingStore } from '../core/store/tracking-store.js';
import { evaluationFiles } from '../core/training/evaluation-artifacts.js';
import { evaluateClassifier } from '../core/training/evaluation.js';
import { writeRunArtifact } from '../core/training/run-records.js';
import { createAppHandlers, type AppHandlers } from './app-handlers.js';
import { dispatch } from './dispatch.js';

let dir: string;
let store: TrackingStore;
let handlers: AppHandlers;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-evaluation-handlers-'));
  store = TrackingStore.open(dir);
  handlers = createAppHandlers(createServices({ store }));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const newRun = (name: string) => store.createRun({ experimentId: store.experiments.create(name, undefined, []), runName: name, tags: [] }).info.run_id;

describe('runs.evaluation', () => {
  it('reads back the evaluation training wrote, in the order asked, and null for a run without one', async () => {
    const evaluated = newRun('trained');
    const evaluation = evaluateClassifier([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.6], ['no', 'yes']);
    for (const file of evaluationFiles(evaluation)) await writeRunArtifact(store, evaluated, file.path, file.bytes);
    const plain = newRun('from-mlflow');
    const result = await dispatch(handlers, 'runs.evaluation', { runIds: [plain, evaluated] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { evaluations } = result.value as { evaluations: Array<{ runId: string; evaluation: unknown }> };
    expect(evaluations.map((e) => e.runId)).toEqual([plain, evaluated]);
    expect(evaluations[0]!.evaluation).toBeNull();
    // Exact figures survive the files (only plotted points are rounded).
    expect(evaluations[1]!.evaluation).toMatchObject({ task: 'classification', summary: evaluation.summary, perClass: evaluation.perClass, roc: { average: 0.75 } });
  });

  it('refuses a bad request naming the field, and an unknown run', async () => {
    const empty = await dispatch(handlers, 'runs.evaluation', { runIds: [] });
    expect(empty).toMatchObject({ ok: false, error: { message: "Field 'runIds': needs at least one run id" } });
    const many = await dispatch(handlers, 'runs.evaluation', { runIds: Array.from({ length: 21 }, (_, i) => `r${i}`) });
    expect(many).toMatchObject({ ok: false, error: { message: "Field 'runIds': may name at most 20 runs" } });
    const unknown = await dispatch(handlers, 'runs.evaluation', { runIds: ['nope'] });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } });
  });
});
