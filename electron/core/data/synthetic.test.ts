import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetStore } from './dataset-store.js';
import { SeededRandom } from '../training/prng.js';
import { sampleDatasetFiles } from './sample-datasets.js';
import { generateTabular, PLANS, toCsv, UNSEEN_REGION, type SyntheticCell, type TabularData } from './synthetic.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function column(data: TabularData, name: string): SyntheticCell[] {
  const index = data.columns.indexOf(name);
  if (index === -1) throw new Error(`no column ${name}`);
  return data.rows.map((row) => row[index]!);
}

const numbers = (cells: SyntheticCell[]) => cells.filter((cell): cell is number => typeof cell === 'number');
const share = (cells: SyntheticCell[], value: SyntheticCell) => cells.filter((cell) => cell === value).length / cells.length;

describe('SeededRandom (sfc32, as synthetic data draws)', () => {
  it('repeats a seed exactly and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((random) => () => random.next())(new SeededRandom(seed, 'sfc32')));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    const values = draw(3);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe('generateTabular', () => {
  it('is deterministic by seed', () => {
    const a = toCsv(generateTabular({ rows: 300, seed: 7, drift: 0.3 }));
    expect(toCsv(generateTabular({ rows: 300, seed: 7, drift: 0.3 }))).toBe(a);
    expect(toCsv(generateTabular({ rows: 300, seed: 8, drift: 0.3 }))).not.toBe(a);
  });

  it('shifts means, scales, category mix and null rate as drift grows, and only then shows an unseen region', () => {
    const base = generateTabular({ rows: 4000, seed: 11, drift: 0 });
    const drifted = generateTabular({ rows: 4000, seed: 11, drift: 1 });
    const charges = [numbers(column(base, 'monthly_charges')), numbers(column(drifted, 'monthly_charges'))] as const;
    // Mean 65 → 90 and sd 20 → 30 by construction (the clamp at 15 moves them a little).
    expect(mean(charges[0])).toBeGreaterThan(63);
    expect(mean(charges[0])).toBeLessThan(67);
    expect(mean(charges[1]) - mean(charges[0])).toBeGreaterThan(20);
    expect(sampleStandardDeviation(charges[1]) / sampleStandardDeviation(charges[0])).toBeGreaterThan(1.3);
    expect(mean(numbers(column(drifted, 'tenure_months')))).toBeLessThan(mean(numbers(column(base, 'tenure_months'))) - 6);
    expect(share(column(base, 'plan'), 'premium')).toBeCloseTo(0.2, 1);
    expect(share(column(drifted, 'plan'), 'premium')).toBeCloseTo(0.5, 1);
    expect(share(column(base, 'region'), UNSEEN_REGION)).toBe(0);
    expect(share(column(drifted, 'region'), UNSEEN_REGION)).toBeCloseTo(0.1, 1);
    expect(share(column(base, 'age'), null)).toBe(0);
    expect(share(column(drifted, 'age'), null)).toBeCloseTo(0.15, 1);
  });

  it('computes the documented target: classification from the logistic model, regression from the linear one', () => {
    const classification = generateTabular({ rows: 4000, seed: 5 });
    expect(classification.target).toBe('churned');
    const churned = column(classification, 'churned');
    const tenure = column(classification, 'tenure_months') as number[];
    const churnRate = (keep: (t: number) => boolean) => share(churned.filter((_, i) => keep(tenure[i]!)), 'yes');
    // Churn falls with tenure (coefficient -0.06 per month).
    expect(churnRate((t) => t < 12)).toBeGreaterThan(churnRate((t) => t > 48) + 0.2);

    const regression = generateTabular({ rows: 4000, seed: 5, task: 'regression' });
    expect(regression.columns.at(-1)).toBe('lifetime_value');
    const residuals = regression.rows.map((row) => {
      const [t, charges, calls, plan] = row as [number, number, number, string];
      return (row.at(-1) as number) - (20 * t + 3 * charges - 15 * calls + [0, 150, 300][PLANS.indexOf(plan as (typeof PLANS)[number])]!);
    });
    expect(Math.abs(mean(residuals))).toBeLessThan(3);
    expect(sampleStandardDeviation(residuals)).toBeGreaterThan(36);
    expect(sampleStandardDeviation(residuals)).toBeLessThan(44);
  });

  it('keeps the first N features and adds noise columns past the eight named ones', () => {
    expect(generateTabular({ rows: 3, seed: 1, features: 4 }).columns).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'churned']);
    const wide = generateTabular({ rows: 3, seed: 1, features: 10 });
    expect(wide.columns.slice(-3)).toEqual(['noise_1', 'noise_2', 'churned']);
    expect(wide.rows.every((row) => row.length === 11)).toBe(true);
    expect(() => generateTabular({ rows: 3, seed: 1, features: 3 })).toThrow();
    expect(() => generateTabular({ rows: 3, seed: 1, drift: 1.5 })).toThrow();
  });

  it('fails validation of drifted data against the undrifted version, naming the drifted columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mldesk-synthetic-'));
    const store = DatasetStore.open(join(dir, 'data'));
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const write = (name: string, drift: number, seed: number) => {
      const path = join(dir, name);
      writeFileSync(path, toCsv(generateTabular({ rows: 2000, seed, drift })));
      return path;
    };
    const { version } = await store.importFile(write('base.csv', 0, 1), { name: 'churn' });
    expect(version.schema.map((c) => c.type)).toEqual(['integer', 'numeric', 'integer', 'categorical', 'boolean', 'integer', 'categorical', 'numeric', 'categorical']);
    const report = await store.validateFile(write('drifted.csv', 0.8, 2), version);
    const found = new Set(report.problems.map((p) => `${p.column}:${p.kind}`));
    expect(report.passed).toBe(false);
    expect(found).toContain('monthly_charges:out_of_range');
    expect(found).toContain('region:unseen_category');
    expect(found).toContain('age:null_rate');
    expect(report.problems.find((p) => p.kind === 'unseen_category')!.values).toEqual([UNSEEN_REGION]);
  });
});

describe('shipped sample datasets', () => {
  it('equal what the generator and the Iris package produce (regenerate with npx tsx resources/generate-datasets.ts)', () => {
    for (const { file, content } of sampleDatasetFiles()) {
      expect(readFileSync(new URL(`../../../resources/datasets/${file}`, import.meta.url), 'utf8'), file).toBe(content);
    }
  });

  it('Iris imports as 150 rows of four numeric measurements and three species of 50', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mldesk-iris-'));
    const store = DatasetStore.open(dir);
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const { version } = await store.importFile(fileURLToPath(new URL('../../../resources/datasets/iris.csv', import.meta.url)));
    expect(version.rows).toBe(150);
    expect(version.schema.map((c) => `${c.name}:${c.type}`)).toEqual([
      'sepal_length:numeric', 'sepal_width:numeric', 'petal_length:numeric', 'petal_width:numeric', 'species:categorical',
    ]);
    expect(version.stats[4]).toMatchObject({ distinct: 3, top: [{ value: 'setosa', count: 50 }, { value: 'versicolor', count: 50 }, { value: 'virginica', count: 50 }] });
    // Fisher's table: sepal length 4.3-7.9 cm, mean 5.843.
    expect(version.stats[0]).toMatchObject({ min: 4.3, max: 7.9 });
    expect(version.stats[0]!.kind === 'numeric' && version.stats[0]!.mean).toBeCloseTo(5.8433, 3);
  });
});
