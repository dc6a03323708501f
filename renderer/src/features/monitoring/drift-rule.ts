import { DRIFT_DEFAULTS, type ColumnDrift, type DriftColumnKind, type DriftMethod } from '../../../../shared/monitoring';

const METHOD_WORDS: Record<DriftMethod, string> = {
  ks: 'two-sample Kolmogorov–Smirnov test',
  chisquare: 'chi-square test',
  ztest: 'Z-test for proportions',
  wasserstein: 'Wasserstein distance / reference std',
  jensenshannon: 'Jensen–Shannon distance',
  psi: 'population stability index',
};

const count = (n: number) => n.toLocaleString('en-US');

/** Evidently's default for a column of this kind and reference size (shared/monitoring.ts DRIFT_DEFAULTS). */
export function defaultMethod(kind: DriftColumnKind, referenceRows: number): DriftMethod {
  if (referenceRows <= DRIFT_DEFAULTS.smallReferenceRows) return kind === 'numeric' ? 'ks' : kind === 'binary' ? 'ztest' : 'chisquare';
  return kind === 'numeric' ? 'wasserstein' : 'jensenshannon';
}

export const isTest = (method: DriftMethod) => method === 'ks' || method === 'chisquare' || method === 'ztest';

/** The rule behind a verdict in words: "reference 50,000 rows > 1,000: Wasserstein distance / reference std, drift at ≥ 0.1". */
export function driftRule(drift: Pick<ColumnDrift, 'method' | 'threshold' | 'type' | 'referenceRows'>): string {
  const small = drift.referenceRows <= DRIFT_DEFAULTS.smallReferenceRows;
  const size = `reference ${count(drift.referenceRows)} rows ${small ? '≤' : '>'} ${count(DRIFT_DEFAULTS.smallReferenceRows)}`;
  const at = isTest(drift.method) ? `drift at p < ${drift.threshold}` : `drift at ≥ ${drift.threshold}`;
  const override = drift.method !== defaultMethod(drift.type, drift.referenceRows) ? ' (per-model override)' : '';
  return `${size}: ${METHOD_WORDS[drift.method]}${override}, ${at}`;
}

export function formatStat(value: number | null): string {
  if (value === null) return '—';
  if (value !== 0 && (Math.abs(value) < 0.001 || Math.abs(value) >= 10_000)) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/** The verdict with the comparison that made it: "Drift: 0.43 ≥ 0.1", "No drift: p = 0.41 ≥ 0.05". */
export function verdictText(drift: Pick<ColumnDrift, 'method' | 'statistic' | 'pValue' | 'threshold' | 'drifted' | 'reason'>): string {
  if (drift.drifted === null) return `No verdict${drift.reason ? `: ${drift.reason}` : ''}`;
  if (isTest(drift.method)) {
    const p = `p = ${formatStat(drift.pValue)}`;
    return drift.drifted ? `Drift: ${p} < ${drift.threshold}` : `No drift: ${p} ≥ ${drift.threshold}`;
  }
  const s = formatStat(drift.statistic);
  return drift.drifted ? `Drift: ${s} ≥ ${drift.threshold}` : `No drift: ${s} < ${drift.threshold}`;
}
