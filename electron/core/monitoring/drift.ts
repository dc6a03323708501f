/**
 * Drift of a column against its reference profile (issue 13), with Evidently's defaults:
 *
 * | reference rows | numeric (> 5 distinct)   | categorical (≤ 5 distinct numbers, strings) | binary (≤ 2 values) | drift when |
 * | ≤ 1,000        | two-sample KS            | chi-square (2 × k homogeneity)              | two-proportion z    | p < 0.05   |
 * | > 1,000        | Wasserstein / ref. std   | Jensen–Shannon distance                     | Jensen–Shannon      | ≥ 0.1      |
 *
 * Verdict rule for the p-value tests: drifted only when p < threshold AND the effect size is not
 * negligible (< 0.05 on a standardised scale: Wasserstein/std for KS, Cohen's w for chi-square,
 * Cohen's h for the z-test). A p-value answers "is there any difference?", which a large enough
 * window always answers yes (evidently #50: a 0.01σ shift on a million rows); the effect size
 * answers "does it matter?". The cut-off sits below what a ≤ 1,000-row reference can resolve
 * (its rejections under no drift all have effects above 0.05), so at the default sizes the
 * verdict is the test's and the false-positive rate stays nominal; it only bites when a test is
 * forced onto large samples. The reason field says when it did.
 */
import { DRIFT_DEFAULTS, type ColumnDrift, type DatasetDrift, type DriftDistributions, type DriftMethod, type EffectSize, type ReferenceColumn } from '../../../shared/monitoring.js';
import {
  chiSquareHomogeneity,
  effectSize,
  jensenShannonDistance,
  NEGLIGIBLE_EFFECT,
  populationStabilityIndex,
  twoProportionZTest,
  wassersteinDistance,
} from './drift-statistics.js';
import { ksTwoSample } from './ks-test.js';
import { binCounts, buildReferenceColumn, countCategories, sortedNumbers, type ColumnValues, type MonitoredValue, type ProfileOptions } from './reference-profile.js';

export type { MonitoredValue, ColumnValues, ProfileOptions };
export { categoryKey } from './reference-profile.js';

export interface ColumnDriftOptions {
  /** Overrides the default method for this column (Evidently's defaults otherwise). */
  method?: DriftMethod;
  threshold?: number;
  /** Below this many non-null current values: no verdict. */
  minRows?: number;
}

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);

/** The categories shown in the overlay chart; the rest are folded into one bar (the tests use all). */
const MAX_CHART_CATEGORIES = 50;
export const OTHER_CATEGORIES = '(other)';

/** Evidently's default method for a column of this kind with this many reference rows. */
export function defaultMethod(reference: ReferenceColumn): DriftMethod {
  const small = reference.count + reference.nulls <= DRIFT_DEFAULTS.smallReferenceRows;
  if (reference.kind === 'numeric') return small ? 'ks' : 'wasserstein';
  if (reference.kind === 'binary') return small ? 'ztest' : 'jensenshannon';
  return small ? 'chisquare' : 'jensenshannon';
}

export function isPValueMethod(method: DriftMethod): boolean {
  return P_VALUE_METHODS.has(method);
}

export function defaultThreshold(method: DriftMethod): number {
  return isPValueMethod(method) ? DRIFT_DEFAULTS.pValue : DRIFT_DEFAULTS.distance;
}

/** Summarises one reference column once, keeping what every drift test needs. */
export function profileColumn(name: string, values: ColumnValues, options: ProfileOptions = {}): ReferenceColumn {
  return buildReferenceColumn(name, values, options);
}

interface Outcome {
  statistic: number;
  pValue: number | null;
  effect: EffectSize;
}

type Computed = Outcome | { reason: string };

function numericOutcome(reference: ReferenceColumn, current: Float64Array, method: DriftMethod, refBins: number[], curBins: number[]): Computed {
  const sample = reference.sorted;
  if (!sample || sample.length === 0) return { reason: 'the reference profile keeps no sorted values for this column' };
  const std = Math.max(reference.std ?? 0, DRIFT_DEFAULTS.stdFloor);
  const wStd = effectSize('wasserstein_std', wassersteinDistance(sample, current) / std);
  switch (method) {
    case 'ks': {
      const ks = ksTwoSample(sample, current, { n1: reference.count, n2: current.length });
      return { statistic: ks.statistic, pValue: ks.pValue, effect: wStd };
    }
    case 'wasserstein':
      return { statistic: wStd.value, pValue: null, effect: wStd };
    case 'psi': {
      const psi = populationStabilityIndex(refBins, curBins);
      return { statistic: psi, pValue: null, effect: effectSize('psi', psi) };
    }
    case 'jensenshannon': {
      const js = jensenShannonDistance(refBins, curBins);
      return { statistic: js, pValue: null, effect: effectSize('js_distance', js) };
    }
    case 'chisquare': {
      const chi = chiSquareHomogeneity(refBins, curBins);
      return { statistic: chi.statistic, pValue: chi.pValue, effect: effectSize('cohens_w', chi.cohensW) };
    }
    case 'ztest':
      return { reason: 'the z-test applies to binary columns; this one is numeric' };
  }
}

function categoricalOutcome(reference: ReferenceColumn, keys: string[], refCounts: number[], curCounts: number[], method: DriftMethod): Computed {
  switch (method) {
    case 'chisquare': {
      const chi = chiSquareHomogeneity(refCounts, curCounts);
      return { statistic: chi.statistic, pValue: chi.pValue, effect: effectSize('cohens_w', chi.cohensW) };
    }
    case 'ztest': {
      if (keys.length > 2) return { reason: `the z-test needs a binary column; reference and window hold ${keys.length} values` };
      // Proportion of the first reference value in sorted order; two-sided, so the choice does not matter.
      const n1 = refCounts.reduce((a, b) => a + b, 0);
      const n2 = curCounts.reduce((a, b) => a + b, 0);
      const z = twoProportionZTest(refCounts[0]!, n1, curCounts[0]!, n2);
      return { statistic: z.statistic, pValue: z.pValue, effect: effectSize('cohens_h', z.cohensH) };
    }
    case 'jensenshannon': {
      const js = jensenShannonDistance(refCounts, curCounts);
      return { statistic: js, pValue: null, effect: effectSize('js_distance', js) };
    }
    case 'psi': {
      const psi = populationStabilityIndex(refCounts, curCounts);
      return { statistic: psi, pValue: null, effect: effectSize('psi', psi) };
    }
    case 'ks':
    case 'wasserstein':
      return { reason: `${method} needs a numeric column; ${reference.name} is ${reference.kind}` };
  }
}

function categoryDistributions(keys: string[], refCounts: number[], curCounts: number[]): DriftDistributions {
  if (keys.length <= MAX_CHART_CATEGORIES) return { kind: 'categories', categories: keys, reference: refCounts, current: curCounts };
  const order = keys.map((_, i) => i).sort((a, b) => refCounts[b]! + curCounts[b]! - (refCounts[a]! + curCounts[a]!));
  const kept = order.slice(0, MAX_CHART_CATEGORIES - 1);
  const rest = order.slice(MAX_CHART_CATEGORIES - 1);
  const sum = (counts: number[]) => rest.reduce((acc, i) => acc + counts[i]!, 0);
  return {
    kind: 'categories',
    categories: [...kept.map((i) => keys[i]!), OTHER_CATEGORIES],
    reference: [...kept.map((i) => refCounts[i]!), sum(refCounts)],
    current: [...kept.map((i) => curCounts[i]!), sum(curCounts)],
  };
}

/** Compares current values of a column with its reference profile. */
export function columnDrift(reference: ReferenceColumn, current: ColumnValues, options: ColumnDriftOptions = {}): ColumnDrift {
  const method = options.method ?? defaultMethod(reference);
  const threshold = options.threshold ?? defaultThreshold(method);
  const minRows = options.minRows ?? DRIFT_DEFAULTS.minWindowRows;
  const referenceRows = reference.count + reference.nulls;

  let currentCount: number;
  let psi: number | null = null;
  let distributions: DriftDistributions | null = null;
  let compute: () => Computed;
  if (reference.kind === 'numeric') {
    const { sorted } = sortedNumbers(current);
    currentCount = sorted.length;
    const edges = reference.histogram?.edges ?? [];
    const refBins = reference.histogram?.counts ?? [];
    const curBins = edges.length > 1 ? binCounts(sorted, edges) : [];
    if (edges.length > 1) {
      distributions = { kind: 'histogram', edges, reference: refBins, current: curBins };
      if (currentCount > 0) psi = populationStabilityIndex(refBins, curBins);
    }
    compute = () => numericOutcome(reference, sorted, method, refBins, curBins);
  } else {
    const { counts } = countCategories(current);
    const refCategories = reference.categories ?? {};
    const keys = [...Object.keys(refCategories), ...[...counts.keys()].filter((k) => !(k in refCategories)).sort()];
    const refCounts = keys.map((k) => refCategories[k] ?? 0);
    const curCounts = keys.map((k) => counts.get(k) ?? 0);
    currentCount = curCounts.reduce((a, b) => a + b, 0);
    distributions = categoryDistributions(keys, refCounts, curCounts);
    if (currentCount > 0 && reference.count > 0) psi = populationStabilityIndex(refCounts, curCounts);
    compute = () => categoricalOutcome(reference, keys, refCounts, curCounts, method);
  }

  const base = {
    column: reference.name,
    type: reference.kind,
    method,
    threshold,
    referenceRows,
    currentRows: current.length,
    nullRate: { reference: referenceRows ? reference.nulls / referenceRows : 0, current: current.length ? (current.length - currentCount) / current.length : 0 },
    distributions,
  };
  const noVerdict = (reason: string): ColumnDrift => ({ ...base, statistic: null, pValue: null, drifted: null, reason, psi, effectSize: null });
  if (reference.count === 0) return noVerdict('the reference has no values in this column');
  if (currentCount < minRows) {
    return noVerdict(`${currentCount} non-missing value${currentCount === 1 ? '' : 's'} in the window; a verdict needs at least ${minRows}`);
  }
  const outcome = compute();
  if ('reason' in outcome) return noVerdict(outcome.reason);
  const { statistic, pValue, effect } = outcome;
  let drifted: boolean;
  let reason: string | null = null;
  if (pValue !== null) {
    const significant = pValue < threshold;
    drifted = significant && effect.magnitude !== 'negligible';
    if (significant && !drifted) {
      reason = `p = ${pValue.toPrecision(3)} < ${threshold}, but the effect is negligible (${effect.name} ${effect.value.toPrecision(3)} < ${NEGLIGIBLE_EFFECT}): not called drift`;
    }
  } else {
    drifted = statistic >= threshold;
  }
  return { ...base, statistic, pValue, drifted, reason, psi, effectSize: effect };
}

/** Dataset drift from the columns' verdicts: drifted when at least `share` of the columns with a verdict drift. */
export function datasetDrift(columns: readonly ColumnDrift[], share: number = DRIFT_DEFAULTS.datasetShare): DatasetDrift {
  const judged = columns.filter((c) => c.drifted !== null);
  const driftedColumns = judged.filter((c) => c.drifted === true).length;
  const shareDrifted = judged.length ? driftedColumns / judged.length : 0;
  return { columns: [...columns], driftedColumns, shareDrifted, datasetDrift: judged.length > 0 && shareDrifted >= share };
}
