/**
 * What one alert rule reads of one window, and whether the window breaches it. Pure: the caller
 * loads the window's metric rows (monitoring_metrics) and decides over consecutive windows.
 */
import { ERROR_METRICS, type AlertRuleSpec } from '../../../shared/alerts.js';
import { PREDICTION_COLUMN } from '../../../shared/monitoring.js';

/** The fields of a monitoring_metrics row a rule reads. */
export interface WindowMetric {
  kind: string;
  column: string;
  method: string;
  statistic: number | null;
  drifted: boolean | null;
}

/** One window under one rule: `breach` null when the window says nothing (no verdict, no labels yet). */
export interface WindowReading {
  breach: boolean | null;
  value: number | null;
  /** The features behind a breach (the drifted ones, the one watched). */
  features: string[];
}

const UNKNOWN: WindowReading = { breach: null, value: null, features: [] };

export function qualityDirection(rule: Extract<AlertRuleSpec, { kind: 'quality' }>): 'below' | 'above' {
  return rule.direction ?? (ERROR_METRICS.includes(rule.metric.toLowerCase()) ? 'above' : 'below');
}

const fmt = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4))));
const forWindows = (n: number) => (n === 1 ? '' : ` for ${n} consecutive windows`);

/** The rule in words, shown in lists and alert messages. */
export function describeRule(rule: AlertRuleSpec): string {
  switch (rule.kind) {
    case 'dataset_drift':
      return `dataset drift${forWindows(rule.windows)}`;
    case 'feature_drift':
      return `drift of ${rule.feature === PREDICTION_COLUMN ? 'the prediction' : `feature '${rule.feature}'`}${forWindows(rule.windows)}`;
    case 'quality':
      return `${rule.metric} ${qualityDirection(rule)} ${fmt(rule.threshold)}${forWindows(rule.windows)}`;
    case 'estimated_quality':
      return `estimated ${rule.metric} below ${fmt(rule.threshold)}${forWindows(rule.windows)}`;
    case 'null_rate':
      return `null rate of '${rule.feature}' above ${fmt(rule.threshold)}${forWindows(rule.windows)}`;
  }
}

/** Realised values win over any other method of the same metric (they replace estimates when labels come). */
function metricValue(metrics: readonly WindowMetric[], kind: string, column: string): number | null {
  const rows = metrics.filter((m) => m.kind === kind && m.column === column && m.statistic !== null && Number.isFinite(m.statistic));
  const chosen = rows.find((m) => m.method === 'realised') ?? rows[0];
  return chosen?.statistic ?? null;
}

export function readWindow(rule: AlertRuleSpec, metrics: readonly WindowMetric[]): WindowReading {
  switch (rule.kind) {
    case 'dataset_drift': {
      const row = metrics.find((m) => m.kind === 'dataset_drift');
      if (!row || row.drifted === null) return UNKNOWN;
      const features = metrics.filter((m) => m.kind === 'feature_drift' && m.drifted === true).map((m) => m.column);
      return { breach: row.drifted, value: row.statistic, features: row.drifted ? features : [] };
    }
    case 'feature_drift': {
      const kind = rule.feature === PREDICTION_COLUMN ? 'prediction_drift' : 'feature_drift';
      const row = metrics.find((m) => m.kind === kind && m.column === rule.feature);
      if (!row || row.drifted === null) return UNKNOWN;
      return { breach: row.drifted, value: row.statistic, features: [rule.feature] };
    }
    case 'quality': {
      const value = metricValue(metrics, 'quality', rule.metric);
      if (value === null) return UNKNOWN;
      const breach = qualityDirection(rule) === 'above' ? value > rule.threshold : value < rule.threshold;
      return { breach, value, features: [] };
    }
    case 'estimated_quality': {
      const value = metricValue(metrics, 'estimated_quality', rule.metric);
      if (value === null) return UNKNOWN;
      return { breach: value < rule.threshold, value, features: [] };
    }
    case 'null_rate': {
      const value = metricValue(metrics, 'null_rate', rule.feature);
      if (value === null) return UNKNOWN;
      return { breach: value > rule.threshold, value, features: [rule.feature] };
    }
  }
}

export interface RuleVerdict {
  /** firing: the latest `windows` readings all breach; clear: the latest reading does not; unknown: neither. */
  state: 'firing' | 'clear' | 'unknown';
  /** The latest reading's value. */
  value: number | null;
  /** Ids of the windows behind the verdict (the breaching run when firing). */
  windows: string[];
  features: string[];
}

/**
 * Decides a rule over a version's windows, oldest first. Windows that say nothing (no verdict, no
 * labels) are skipped, so "N consecutive windows" counts the windows that did say something.
 */
export function decideRule(rule: AlertRuleSpec, windows: readonly { id: string; metrics: readonly WindowMetric[] }[]): RuleVerdict {
  const known: { id: string; reading: WindowReading }[] = [];
  for (const window of windows) {
    const reading = readWindow(rule, window.metrics);
    if (reading.breach !== null) known.push({ id: window.id, reading });
  }
  const latest = known.at(-1);
  if (!latest) return { state: 'unknown', value: null, windows: [], features: [] };
  if (!latest.reading.breach) return { state: 'clear', value: latest.reading.value, windows: [latest.id], features: [] };
  const run = known.slice(-rule.windows);
  if (run.length < rule.windows || run.some((w) => !w.reading.breach)) {
    return { state: 'unknown', value: latest.reading.value, windows: [], features: [] };
  }
  const features = [...new Set(run.flatMap((w) => w.reading.features))].sort();
  return { state: 'firing', value: latest.reading.value, windows: run.map((w) => w.id), features };
}
