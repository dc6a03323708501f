import { describe, expect, it } from 'vitest';
import { TrainingRequestSchema } from '../../../../shared/app-api/training';
import type { ColumnStats, DatasetVersion } from '../../../../shared/datasets';
import { HYPERPARAMETER_SPECS, parseHyperparameters, type NumberSpec } from './hyperparameter-specs';
import { buildRequest, defaultTarget, EMPTY_DRAFT, guessTask, serverFieldErrors, type RunDraft } from './run-form-model';

function numeric(name: string, min: number, max: number, counts: number[]): ColumnStats {
  const step = (max - min) / counts.length;
  return {
    name, kind: 'numeric', count: 10, min, max, mean: (min + max) / 2, std: 1,
    quantiles: { p01: min, p05: min, p25: min, p50: min, p75: max, p95: max, p99: max },
    histogram: { edges: counts.map((_, i) => min + i * step).concat(max), counts },
  };
}

const version: DatasetVersion = {
  name: 'iris', version: 2, ref: 'iris@2', sha256: 'a'.repeat(64), format: 'csv', rows: 150, bytes: 3858, originalFileName: 'iris.csv', createdTime: 0,
  schema: [
    { name: 'sepal_length', type: 'numeric', nullCount: 0 },
    { name: 'notes', type: 'text', nullCount: 0 },
    { name: 'species', type: 'categorical', nullCount: 0, categories: ['setosa', 'versicolor', 'virginica'] },
    { name: 'comment', type: 'text', nullCount: 0 },
  ],
  stats: [
    numeric('sepal_length', 4.3, 7.9, [1, 2, 3]),
    { name: 'notes', kind: 'text', count: 150, distinct: 150, distinctExact: true, minLength: 1, maxLength: 9 },
    { name: 'species', kind: 'categories', count: 150, distinct: 3, top: [], otherCount: 0 },
    { name: 'comment', kind: 'text', count: 150, distinct: 150, distinctExact: true, minLength: 1, maxLength: 9 },
  ],
};

const draft = (overrides: Partial<RunDraft>): RunDraft => ({ ...EMPTY_DRAFT, dataset: 'iris', target: 'species', experimentName: 'iris-species', ...overrides });

describe('guessTask', () => {
  it('follows the trainer: labels classify, numbers regress, text is refused', () => {
    expect(guessTask(version.schema[2]!, version.stats[2]).task).toBe('classification');
    expect(guessTask(version.schema[0]!, version.stats[0]).task).toBe('regression');
    expect(guessTask(version.schema[1]!, version.stats[1]).task).toBeNull();
  });

  it('treats an integer target with at most 10 possible values as class labels', () => {
    const rating = { name: 'rating', type: 'integer' as const, nullCount: 0 };
    expect(guessTask(rating, numeric('rating', 1, 5, [3, 0, 4, 2, 1])).task).toBe('classification');
    expect(guessTask(rating, numeric('rating', 0, 900, Array.from({ length: 20 }, () => 1))).task).toBe('regression');
  });
});

describe('defaultTarget', () => {
  it('picks the last column that can be a target', () => {
    expect(defaultTarget(version.schema)).toBe('species');
  });
});

describe('buildRequest', () => {
  it('sends only what was filled in, with the version picked', () => {
    const { request, errors } = buildRequest(draft({ version: '2', backend: 'cpu', hyperparameters: { epochs: '15', hiddenUnits: '32, 16', activation: '' } }), version);
    expect(errors).toEqual({});
    expect(request).toEqual({ dataset: 'iris@2', target: 'species', experimentName: 'iris-species', backend: 'cpu', hyperparameters: { epochs: 15, hiddenUnits: [32, 16] } });
    expect(TrainingRequestSchema.safeParse(request).success).toBe(true);
  });

  it('names the field of every bad value', () => {
    const { request, errors } = buildRequest(draft({ hyperparameters: { learningRate: '-1', epochs: '2.5', hiddenUnits: '64,x', optimizer: 'lbfgs' } }), version);
    expect(request).toBeUndefined();
    expect(errors.learningRate).toMatch(/^Learning rate must be a number greater than 0/);
    expect(errors.epochs).toMatch(/^Epochs must be a whole number from 1 to 10,000/);
    expect(errors.hiddenUnits).toMatch(/^Hidden units must be whole numbers/);
    expect(errors.optimizer).toMatch(/^Optimizer must be one of adam, sgd/);
  });

  it('refuses a free-text target, a regression on labels and a blank experiment', () => {
    expect(buildRequest(draft({ target: 'notes' }), version).errors.target).toMatch(/free text/);
    expect(buildRequest(draft({ task: 'regression' }), version).errors.task).toMatch(/numeric target/);
    expect(buildRequest(draft({ experimentName: '  ' }), version).errors.experimentName).toMatch(/^Experiment is required/);
    expect(buildRequest(draft({ target: 'gone' }), version).errors.target).toMatch(/not a column of iris@2/);
  });

  it('accepts "none" as a linear model', () => {
    expect(buildRequest(draft({ hyperparameters: { hiddenUnits: 'none' } }), version).request?.hyperparameters).toEqual({ hiddenUnits: [] });
  });
});

describe('hyperparameter specs', () => {
  it('agree with the contract at both ends of every range', () => {
    for (const spec of HYPERPARAMETER_SPECS.filter((s): s is NumberSpec => s.kind === 'number')) {
      const step = spec.integer ? 1 : 1e-6;
      const lowest = spec.minExclusive ? spec.min + step : spec.min;
      for (const [value, ok] of [[lowest, true], [spec.max, true], [spec.max + step, false], [spec.min - step, false]] as const) {
        const parsed = parseHyperparameters({ [spec.key]: String(value) });
        const contract = TrainingRequestSchema.shape.hyperparameters.safeParse({ [spec.key]: value }).success;
        expect([spec.key, value, parsed.errors[spec.key] === undefined]).toEqual([spec.key, value, ok]);
        expect([spec.key, value, contract]).toEqual([spec.key, value, ok]);
      }
    }
  });
});

describe('serverFieldErrors', () => {
  it('puts contract and trainer messages on their fields and keeps the rest', () => {
    const { fields, rest } = serverFieldErrors("Field 'hyperparameters.learningRate': must be positive; The experiment 'x' is deleted; restore it or use another name.");
    expect(fields.learningRate).toBe('Learning rate must be positive.');
    expect(rest).toBe("The experiment 'x' is deleted; restore it or use another name.");
    expect(serverFieldErrors("Invalid value '0' for parameter 'batch_size': expected an integer from 1 to 1000000.").fields.batchSize).toMatch(/batch_size/);
  });
});
