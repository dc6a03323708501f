import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MonitoringMetricRow } from '../../../shared/monitoring.js';
import { SeededRandom } from '../training/prng.js';
import { cbpe } from './cbpe.js';
import { accuracyOf, macroF1Of, perClassScores, type CalibrationCurve } from './classification-quality.js';
import { windowQuality, type WindowPrediction } from './window-quality.js';

interface FixtureCase {
  name: string;
  rows: WindowPrediction[];
  expected: Record<string, number>;
  calibration: { observed: number[]; predicted: number[] } | null;
}
const fixtures = JSON.parse(readFileSync(new URL('./quality-fixtures.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

const metric = (rows: MonitoringMetricRow[], column: string, kind: MonitoringMetricRow['kind'] = 'quality') => {
  const row = rows.find((r) => r.kind === kind && r.column === column);
  if (!row) throw new Error(`no ${kind} row ${column} among ${rows.map((r) => `${r.kind}/${r.column}`).join(', ')}`);
  return row;
};
const value = (rows: MonitoringMetricRow[], column: string) => metric(rows, column).statistic;

describe('windowQuality equals scikit-learn 1.2 on fixed inputs (scripts/quality-fixtures.py)', () => {
  for (const fixture of fixtures.cases) {
    it(`${fixture.name}: every figure to 1e-9`, () => {
      const rows = windowQuality(fixture.rows);
      for (const [column, expected] of Object.entries(fixture.expected)) {
        const actual = value(rows, column);
        expect(actual, column).not.toBeNull();
        expect(Math.abs(actual! - expected), `${column}: ${actual} vs sklearn ${expected}`).toBeLessThan(1e-9);
      }
      for (const row of rows.filter((r) => r.kind === 'quality')) expect(row.method).toBe('realised');
    });
  }

  it('binary calibration curve: the bins of sklearn calibration_curve(n_bins=10, uniform)', () => {
    const fixture = fixtures.cases.find((c) => c.name === 'binary')!;
    const curve = metric(windowQuality(fixture.rows), 'calibration_error').detail as CalibrationCurve;
    expect(curve.kind).toBe('positive_class');
    expect(curve.positiveClass).toBe('yes');
    expect(curve.bins.map((b) => b.observed)).toHaveLength(fixture.calibration!.observed.length);
    curve.bins.forEach((bin, i) => {
      expect(Math.abs(bin.observed - fixture.calibration!.observed[i]!)).toBeLessThan(1e-9);
      expect(Math.abs(bin.predicted - fixture.calibration!.predicted[i]!)).toBeLessThan(1e-9);
    });
    const labelled = fixture.rows.filter((r) => r.actual !== null).length;
    expect(curve.bins.reduce((s, b) => s + b.count, 0)).toBe(labelled);
  });

  it('a sure and wrong answer costs ~36 nats (clipped at machine epsilon), not Infinity', () => {
    const rows = windowQuality([{ output: { label: 'a', probabilities: { a: 1, b: 0 }, warnings: [] }, actual: 'b', time: 0, labelTime: 10 }]);
    expect(value(rows, 'log_loss')).toBeCloseTo(-Math.log(Number.EPSILON), 6);
  });
});

const flip = (rows: WindowPrediction[], classes: string[]) =>
  rows.map((r) => (r.actual === null ? r : { ...r, actual: classes[(classes.indexOf(String(r.actual)) + 1) % classes.length]! }));

describe('quality falls when labels are flipped', () => {
  it('classifiers: accuracy, F1 and AUC fall, log loss rises', () => {
    for (const [name, classes] of [
      ['binary', ['no', 'yes']],
      ['multiclass', ['setosa', 'versicolor', 'virginica']],
    ] as const) {
      const fixture = fixtures.cases.find((c) => c.name === name)!;
      const before = windowQuality(fixture.rows);
      const after = windowQuality(flip(fixture.rows, [...classes]));
      expect(value(after, 'accuracy')!, name).toBeLessThan(value(before, 'accuracy')! - 0.3);
      expect(value(after, 'f1_macro')!, name).toBeLessThan(value(before, 'f1_macro')! - 0.3);
      expect(value(after, 'roc_auc')!, name).toBeLessThan(value(before, 'roc_auc')! - 0.2);
      expect(value(after, 'log_loss')!, name).toBeGreaterThan(value(before, 'log_loss')! + 0.5);
      // The estimate looks only at the model's answers: flipping the truth does not move it.
      expect(metric(after, 'accuracy', 'estimated_quality').statistic).toBe(metric(before, 'accuracy', 'estimated_quality').statistic);
    }
  });

  it('regressors: labels moved away from the answers raise RMSE and MAE and lower R²', () => {
    const fixture = fixtures.cases.find((c) => c.name === 'regression')!;
    const before = windowQuality(fixture.rows);
    const after = windowQuality(fixture.rows.map((r) => (r.actual === null ? r : { ...r, actual: 20 - Number(r.actual) })));
    expect(value(after, 'rmse')!).toBeGreaterThan(value(before, 'rmse')! * 2);
    expect(value(after, 'mae')!).toBeGreaterThan(value(before, 'mae')! * 2);
    expect(value(after, 'r2')!).toBeLessThan(0);
  });
});

describe('windows without labels', () => {
  it('realised figures are null, coverage 0, and the estimate is there', () => {
    const fixture = fixtures.cases.find((c) => c.name === 'multiclass')!;
    const rows = windowQuality(fixture.rows.map((r) => ({ ...r, actual: null, labelTime: null })));
    expect(value(rows, 'label_coverage')).toBe(0);
    for (const column of ['accuracy', 'f1_macro', 'roc_auc', 'log_loss', 'calibration_error', 'label_delay_p50_ms', 'precision:setosa']) expect(value(rows, column), column).toBeNull();
    const estimate = metric(rows, 'accuracy', 'estimated_quality');
    expect(estimate.method).toBe('cbpe');
    expect(estimate.statistic).toBeGreaterThan(0.4);
    expect(estimate.detail).toMatchObject({ rows: fixture.rows.length, assumption: expect.stringContaining('calibrated') });
  });

  it('an empty window says only that it has no rows', () => {
    expect(windowQuality([]).map((r) => [r.column, r.statistic])).toEqual([
      ['label_coverage', null],
      ['label_delay_p50_ms', null],
      ['label_delay_p90_ms', null],
    ]);
  });

  it('regressors get no estimate, and labels that are not numbers are counted, not scored', () => {
    const rows = windowQuality([
      { output: { value: 1, warnings: [] }, actual: 2, time: 0, labelTime: 1 },
      { output: { value: 3, warnings: [] }, actual: 'n/a', time: 0, labelTime: 1 },
    ]);
    expect(rows.some((r) => r.kind === 'estimated_quality')).toBe(false);
    expect(metric(rows, 'mae')).toMatchObject({ statistic: 1, detail: { labelled: 1, invalid: 1 } });
  });
});

/** A window of `n` answers whose true class probabilities are `truth`; the model reports `reported`. */
function syntheticWindow(random: SeededRandom, n: number, sharpen: number): { answers: { label: string; probabilities: Record<string, number> }[]; truths: string[] } {
  const classes = ['a', 'b', 'c'];
  const answers: { label: string; probabilities: Record<string, number> }[] = [];
  const truths: string[] = [];
  for (let i = 0; i < n; i++) {
    const raw = classes.map(() => -Math.log(1 - random.next()));
    const total = raw.reduce((s, v) => s + v, 0);
    const truth = raw.map((v) => v / total);
    // sharpen = 1: the reported probabilities are the true ones; > 1: an over-confident model.
    const powered = truth.map((p) => p ** sharpen);
    const sum = powered.reduce((s, v) => s + v, 0);
    const reported = powered.map((p) => p / sum);
    let best = 0;
    for (let c = 1; c < 3; c++) if (reported[c]! > reported[best]!) best = c;
    answers.push({ label: classes[best]!, probabilities: Object.fromEntries(classes.map((c, j) => [c, reported[j]!])) });
    let u = random.next();
    let drawn = 2;
    for (let c = 0; c < 2; c++) if ((u -= truth[c]!) < 0) {
      drawn = c;
      break;
    }
    truths.push(classes[drawn]!);
  }
  return { answers, truths };
}

function coverage(seeds: number, n: number, sharpen: number, sigmas: number) {
  let accuracyInside = 0;
  let f1Inside = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { answers, truths } = syntheticWindow(new SeededRandom(seed * 7919), n, sharpen);
    const estimate = cbpe(answers, ['a', 'b', 'c'], sigmas)!;
    const labelled = answers.map((output, i) => ({ ...output, actual: truths[i]! }));
    const accuracy = accuracyOf(labelled)!;
    const f1 = macroF1Of(perClassScores(labelled, ['a', 'b', 'c']))!;
    if (accuracy >= estimate.accuracy.lower && accuracy <= estimate.accuracy.upper) accuracyInside++;
    if (f1 >= estimate.f1Macro!.lower && f1 <= estimate.f1Macro!.upper) f1Inside++;
  }
  return { accuracy: accuracyInside / seeds, f1: f1Inside / seeds };
}

describe('CBPE', () => {
  it('on calibrated probabilities the realised accuracy and F1 fall inside the ±3σ band (nominal 99.7%) over 300 seeds', () => {
    const { accuracy, f1 } = coverage(300, 400, 1, 3);
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    expect(f1).toBeGreaterThanOrEqual(0.97);
  }, 30_000);

  it('the band is not merely wide: ±1σ covers near its nominal 68% over 300 seeds', () => {
    const { accuracy, f1 } = coverage(300, 400, 1, 1);
    expect(accuracy).toBeGreaterThan(0.6);
    expect(accuracy).toBeLessThan(0.76);
    expect(f1).toBeGreaterThan(0.58);
    expect(f1).toBeLessThan(0.78);
  }, 30_000);

  it('on an over-confident model (probabilities sharpened) the realised accuracy falls outside the band', () => {
    const { accuracy } = coverage(100, 400, 4, 3);
    expect(accuracy).toBeLessThan(0.1);
  }, 30_000);

  it('on a window past the simulated subsample (60,000 rows) the F1 band keeps its scale and still covers', () => {
    let inside = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const { answers, truths } = syntheticWindow(new SeededRandom(seed * 104_729), 60_000, 1);
      const estimate = cbpe(answers, ['a', 'b', 'c'])!;
      // On these windows macro F1's σ is about accuracy's (exact, Poisson-binomial) σ, as it is
      // on small windows drawn in full (ratio 0.87-1.02 at 4,000 rows); an unscaled subsample
      // would make it sqrt(3) times too wide.
      const ratio = estimate.f1Macro!.standardError / estimate.accuracy.standardError;
      expect(ratio).toBeGreaterThan(0.75);
      expect(ratio).toBeLessThan(1.3);
      const f1 = macroF1Of(perClassScores(answers.map((output, i) => ({ ...output, actual: truths[i]! })), ['a', 'b', 'c']))!;
      if (f1 >= estimate.f1Macro!.lower && f1 <= estimate.f1Macro!.upper) inside++;
    }
    expect(inside).toBe(5);
  }, 30_000);

  it('expected accuracy is the mean probability of the answered class, and the band is its Poisson-binomial σ', () => {
    const estimate = cbpe(
      [
        { label: 'x', probabilities: { x: 0.9, y: 0.1 } },
        { label: 'y', probabilities: { x: 0.4, y: 0.6 } },
      ],
      ['x', 'y'],
    )!;
    expect(estimate.accuracy.value).toBeCloseTo(0.75, 12);
    expect(estimate.accuracy.standardError).toBeCloseTo(Math.sqrt(0.9 * 0.1 + 0.6 * 0.4) / 2, 12);
  });
});
