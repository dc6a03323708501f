import { z } from 'zod';
import { pickWeighted, poissonFromUniform, SeededRandom } from '../training/prng.js';

/**
 * A synthetic customer-churn table whose drift can be dialled in, for demos and tests of training,
 * validation and drift monitoring. Same (seed, options) → same bytes, on every machine.
 *
 * Features, in column order (`features` keeps the first N; past 8 come noise_1, noise_2, ...):
 *   tenure_months      integer  round(N(30 - 12d, 18(1 + 0.3d))) clamped to [0, 72]
 *   monthly_charges    numeric  max(15, N(65 + 25d, 20(1 + 0.5d))), 2 decimals
 *   support_calls      integer  Poisson(1.5 + 2d)
 *   plan               categorical basic/standard/premium, mix 50/30/20% → 20/30/50% at d = 1
 *   paperless_billing  boolean  true with probability 0.6 + 0.3d
 *   age                integer  round(N(42 - 8d, 12)) clamped to [18, 90]; null with probability 0.15d
 *   region             categorical north/south/east/west, 25% each → 10/10/20/60% at d = 1; with
 *                      probability 0.1d the unseen value 'central'
 *   data_usage_gb      numeric  exp(N(ln 5, 0.6)) x (1 + d), 2 decimals
 *   noise_k            numeric  N(d, 1), 4 decimals (carries no signal)
 * d is `drift` in [0, 1]: covariate drift only; the target function below never changes.
 *
 * Target (last column), from the first four features (so `features` >= 4):
 *   classification  churned = 'yes' with probability sigmoid(z), else 'no', where
 *                   z = -1.2 - 0.06(tenure - 30) + 0.04(charges - 65) + 0.5(calls - 1.5) + plan effect
 *                   (basic +0.6, standard 0, premium -0.6)
 *   regression      lifetime_value = 20 tenure + 3 charges - 15 calls + (0 | 150 | 300 by plan)
 *                   + N(0, 40), 2 decimals
 * Every row draws the same number of random values whatever the drift, so datasets of one seed
 * at different drifts pair row by row: the drift alone explains the difference.
 */

export const SYNTHETIC_TASKS = ['classification', 'regression'] as const;
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];

export const BASE_FEATURES = [
  'tenure_months', 'monthly_charges', 'support_calls', 'plan', 'paperless_billing', 'age', 'region', 'data_usage_gb',
] as const;
export const PLANS = ['basic', 'standard', 'premium'] as const;
export const REGIONS = ['north', 'south', 'east', 'west'] as const;
/** A region that appears only under drift: what validation reports as an unseen category. */
export const UNSEEN_REGION = 'central';

export const TabularOptionsSchema = z.object({
  rows: z.number().int().min(1).max(10_000_000),
  seed: z.number().int().min(0).max(0xffffffff),
  drift: z.number().min(0).max(1).default(0),
  task: z.enum(SYNTHETIC_TASKS).default('classification'),
  features: z.number().int().min(4).max(100).default(BASE_FEATURES.length),
});
export type TabularOptions = z.input<typeof TabularOptionsSchema>;

export type SyntheticCell = number | string | boolean | null;

export interface TabularData {
  columns: string[];
  /** The target column's name: 'churned' or 'lifetime_value'. */
  target: string;
  rows: SyntheticCell[][];
}

export function targetColumn(task: SyntheticTask): string {
  return task === 'classification' ? 'churned' : 'lifetime_value';
}

const PLAN_MIX = { base: [0.5, 0.3, 0.2], drifted: [0.2, 0.3, 0.5] };
const REGION_MIX = { base: [0.25, 0.25, 0.25, 0.25], drifted: [0.1, 0.1, 0.2, 0.6] };
const PLAN_LOGIT = [0.6, 0, -0.6];
const PLAN_VALUE = [0, 150, 300];

const round = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const mix = (base: readonly number[], drifted: readonly number[], d: number) => base.map((w, i) => (1 - d) * w + d * drifted[i]!);

export function generateTabular(options: TabularOptions): TabularData {
  const { rows, seed, drift: d, task, features } = TabularOptionsSchema.parse(options);
  const random = new SeededRandom(seed, 'sfc32');
  const noiseCount = Math.max(0, features - BASE_FEATURES.length);
  const featureNames = [...BASE_FEATURES.slice(0, features), ...Array.from({ length: noiseCount }, (_, i) => `noise_${i + 1}`)];
  const target = targetColumn(task);
  const planWeights = mix(PLAN_MIX.base, PLAN_MIX.drifted, d);
  const regionWeights = mix(REGION_MIX.base, REGION_MIX.drifted, d);
  const table: SyntheticCell[][] = [];

  for (let i = 0; i < rows; i++) {
    // Draw order is fixed; see the pairing note above.
    const tenure = clamp(Math.round(30 - 12 * d + 18 * (1 + 0.3 * d) * random.normal()), 0, 72);
    const charges = round(Math.max(15, 65 + 25 * d + 20 * (1 + 0.5 * d) * random.normal()), 2);
    const calls = poissonFromUniform(1.5 + 2 * d, random.next());
    const plan = pickWeighted(planWeights, random.next());
    const paperless = random.next() < 0.6 + 0.3 * d;
    const ageValue = clamp(Math.round(42 - 8 * d + 12 * random.normal()), 18, 90);
    const age = random.next() < 0.15 * d ? null : ageValue;
    const regionIndex = pickWeighted(regionWeights, random.next());
    const region = random.next() < 0.1 * d ? UNSEEN_REGION : REGIONS[regionIndex]!;
    const usage = round(Math.exp(Math.log(5) + 0.6 * random.normal()) * (1 + d), 2);
    const base: SyntheticCell[] = [tenure, charges, calls, PLANS[plan]!, paperless, age, region, usage];
    const row = base.slice(0, Math.min(features, BASE_FEATURES.length));
    for (let k = 0; k < noiseCount; k++) row.push(round(d + random.normal(), 4));

    if (task === 'classification') {
      const z = -1.2 - 0.06 * (tenure - 30) + 0.04 * (charges - 65) + 0.5 * (calls - 1.5) + PLAN_LOGIT[plan]!;
      row.push(random.next() < 1 / (1 + Math.exp(-z)) ? 'yes' : 'no');
    } else {
      row.push(round(20 * tenure + 3 * charges - 15 * calls + PLAN_VALUE[plan]! + 40 * random.normal(), 2));
    }
    table.push(row);
  }
  return { columns: [...featureNames, target], target, rows: table };
}

/** RFC 4180 CSV with a header row and \n line ends; nulls are empty cells. */
export function toCsv(data: Pick<TabularData, 'columns' | 'rows'>): string {
  const lines = [data.columns.map(csvField).join(',')];
  for (const row of data.rows) lines.push(row.map((cell) => (cell === null ? '' : csvField(String(cell)))).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
