import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, type Tf } from './backend.js';
import { resolveHyperparameters, type Hyperparameters } from './hyperparams.js';
import { irisTable, linearTable } from './test-tables.js';
import { train, type EpochMetrics } from './trainer.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend('wasm')).tf;
});

const irisParams = (seed: number, extra: Partial<Hyperparameters> = {}) =>
  resolveHyperparameters({ hiddenUnits: [16], learningRate: 0.02, batchSize: 32, epochs: 60, earlyStoppingPatience: 15, ...extra }, seed);

describe('train (cpu backend)', () => {
  it('a multiclass MLP learns Iris, with per-epoch metrics logged', async () => {
    const logged: [number, EpochMetrics][] = [];
    const result = await train({ tf, table: irisTable(), target: 'species', hyperparameters: irisParams(7), logger: { logEpoch: (step, m) => logged.push([step, m]) } });
    expect(result.task).toBe('classification');
    expect(result.head).toBe('multiclass');
    expect([result.trainRows, result.validationRows]).toEqual([120, 30]);
    expect(result.finalMetrics.val_accuracy!).toBeGreaterThan(0.85);
    expect(result.finalMetrics.val_auc!).toBeGreaterThan(0.9);
    expect(Object.keys(result.history[0]!)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_auc', 'val_f1']);
    expect(logged.slice(0, result.epochsRun).map(([step]) => step)).toEqual(Array.from({ length: result.epochsRun }, (_, i) => i + 1));
    expect(result.history.at(-1)!.loss!).toBeLessThan(result.history[0]!.loss!);
    // The evaluation describes the returned model: its figures agree with the final validation metrics.
    const evaluation = result.evaluation!;
    expect(evaluation.task).toBe('classification');
    if (evaluation.task !== 'classification') return;
    expect(evaluation.summary.rows).toBe(30);
    expect(evaluation.perClass.classes.map((c) => c.support).reduce((a, b) => a + b)).toBe(30);
    expect(evaluation.perClass.accuracy).toBeCloseTo(result.finalMetrics.val_accuracy!, 12);
    expect(evaluation.summary.metrics.val_auc).toBeCloseTo(result.finalMetrics.val_auc!, 12);
    expect(evaluation.roc.curves).toHaveLength(3);
    expect(evaluation.confusionMatrix!.matrix.flat().reduce((a, b) => a + b)).toBe(30);
    // Summaries the epochs did not log already are logged once, at the final step.
    const [lastStep, lastMetrics] = logged.at(-1)!;
    expect(lastStep).toBe(result.epochsRun + (result.finalMetrics.restored_epoch ? 1 : 0));
    expect(Object.keys(lastMetrics).sort()).toEqual(['val_pr_auc', 'val_precision', 'val_recall']);
    expect(result.finalMetrics.val_pr_auc).toBe(evaluation.summary.metrics.val_pr_auc);
    result.model.dispose();
  });

  it('a regressor fits a noisy linear target (R2 > 0.9), metrics in the target units', async () => {
    const hp = resolveHyperparameters({ hiddenUnits: [32, 16], learningRate: 0.01, epochs: 40, batchSize: 32 }, 1);
    const result = await train({ tf, table: linearTable(), target: 'y', hyperparameters: hp });
    expect(result.task).toBe('regression');
    expect(result.finalMetrics.val_r2!).toBeGreaterThan(0.9);
    expect(result.finalMetrics.r2!).toBeGreaterThan(0.9);
    // The target's spread is ~4.5; a good fit is well under it.
    expect(result.finalMetrics.val_rmse!).toBeLessThan(1);
    expect(Object.keys(result.history[0]!)).toEqual(['loss', 'rmse', 'mae', 'r2', 'val_loss', 'val_rmse', 'val_mae', 'val_r2']);
    const evaluation = result.evaluation!;
    expect(evaluation.task).toBe('regression');
    if (evaluation.task !== 'regression') return;
    expect(evaluation.residuals.total).toBe(result.validationRows);
    const residuals = evaluation.residuals.points.map((p) => p.residual);
    expect(Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0) / residuals.length)).toBeCloseTo(result.finalMetrics.val_rmse!, 4);
    expect(evaluation.errorHistogram.bins.reduce((sum, b) => sum + b.count, 0)).toBe(result.validationRows);
    expect(result.finalMetrics.val_median_abs_error).toBeLessThan(result.finalMetrics.val_rmse!);
    result.model.dispose();
  });

  it('the same seed gives bit-identical metrics; another seed gives different ones', async () => {
    // Dropout and L2 on, so the seeded dropout masks are part of what must repeat.
    const run = async (seed: number) => {
      const result = await train({ tf, table: irisTable(), target: 'species', hyperparameters: irisParams(seed, { epochs: 8, dropout: 0.2, l2: 1e-4 }) });
      result.model.dispose();
      return result.history;
    };
    const first = await run(21);
    expect(await run(21)).toEqual(first);
    expect(await run(22)).not.toEqual(first);
  });

  it('early stopping ends training and restores the best epoch', async () => {
    // A large learning rate on a tiny split overfits fast: val_loss stops improving early.
    const hp = irisParams(4, { hiddenUnits: [64, 64], learningRate: 0.05, epochs: 200, earlyStoppingPatience: 3 });
    const logged: number[] = [];
    const result = await train({ tf, table: irisTable(), target: 'species', hyperparameters: hp, logger: { logEpoch: (step) => logged.push(step) } });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBeLessThan(200);
    const best = result.bestEpoch!;
    const bestLoss = Math.min(...result.history.map((m) => m.val_loss!));
    expect(result.history[best - 1]!.val_loss).toBe(bestLoss);
    // Stopped after `patience` epochs without improvement, so the best one is 3 epochs back.
    expect(best).toBe(result.epochsRun - 3);
    expect(result.finalMetrics).toMatchObject({ ...result.history[best - 1], restored_epoch: best, stopped_epoch: result.epochsRun });
    expect(logged.at(-1)).toBe(result.epochsRun + 1);
    result.model.dispose();
  });

  it('a binary target gets a sigmoid head and ROC AUC / F1 on the positive class', async () => {
    const table = irisTable();
    table.rows = table.rows.map((row) => [...row.slice(0, 4), row[4] === 'virginica']);
    table.columns[4] = { name: 'virginica', type: 'boolean' };
    const result = await train({ tf, table, target: 'virginica', hyperparameters: irisParams(2) });
    expect(result.head).toBe('binary');
    expect(result.preprocessing.target.classes).toEqual(['false', 'true']);
    expect(result.finalMetrics.val_auc!).toBeGreaterThan(0.9);
    expect(result.finalMetrics.val_f1!).toBeGreaterThan(0.7);
    result.model.dispose();
  });

  it('an abort signal stops training between batches', async () => {
    const controller = new AbortController();
    const pending = train({ tf, table: linearTable(4000), target: 'y', hyperparameters: resolveHyperparameters({ epochs: 500, batchSize: 8 }, 1), signal: controller.signal, onProgress: () => controller.abort() , progressIntervalMs: 0 });
    await expect(pending).rejects.toThrow(/cancelled/);
  });

  it('refuses regression on a categorical target with a message naming the fix', async () => {
    await expect(train({ tf, table: irisTable(), target: 'species', task: 'regression', hyperparameters: irisParams(1) })).rejects.toThrow(/numeric target.*--task classification/);
  });
});
