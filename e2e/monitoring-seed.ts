import type Database from 'better-sqlite3';
import { PREDICTION_COLUMN } from '../shared/monitoring.js';

/**
 * Monitoring rows as the window engine stores them (migration 13, shared/monitoring.ts), written
 * straight into a data dir's SQLite for the page's tests and bench: a reference profile, windows of
 * a registered version, and per window each feature's drift with both distributions, the
 * prediction's drift, null rates, dataset drift, realised and estimated quality, plus alerts.
 * Values follow normal and categorical distributions shifted from `driftFrom` on for the drifted
 * features, so the statistics look like the engine's (plausible, not computed from logged rows).
 */

export interface SeedFeature {
  name: string;
  kind: 'numeric' | 'categorical';
}

export interface MonitoringSeed {
  model: string;
  version: string;
  /** The reference dataset version (`name`, its newest version); null: the reference names none. */
  referenceDataset: string | null;
  referenceRows: number;
  features: SeedFeature[];
  classes: string[];
  windows: number;
  rowsPerWindow: number;
  driftedFeatures: string[];
  /** Index of the first window in which the drifted features (and the prediction) shift. */
  driftFrom: number;
  startTime: number;
  /** prediction_pk of the first window's first row. */
  firstPredictionPk?: number;
  alert?: boolean;
}

export interface SeededMonitoring {
  windowIds: string[];
  /** A window in which the drifted features drift. */
  driftedWindow: string;
  alertIds: string[];
}

const CATEGORIES = ['A', 'B', 'C', 'D'];

function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26: plenty for plausible seed data.
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

function ksPValue(d: number, n: number, m: number): number {
  const lambda = d * Math.sqrt((n * m) / (n + m));
  let sum = 0;
  for (let k = 1; k <= 100; k++) sum += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return Math.min(1, Math.max(0, sum));
}

/** A fixed-seed generator, so every run of a test sees the same windows. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const magnitude = (v: number) => (v < 0.2 ? 'negligible' : v < 0.5 ? 'small' : v < 0.8 ? 'medium' : 'large');

function histogramCounts(edges: number[], mean: number, std: number, total: number): number[] {
  return edges.slice(0, -1).map((edge, i) => {
    const lo = i === 0 ? -Infinity : (edge - mean) / std;
    const hi = i === edges.length - 2 ? Infinity : (edges[i + 1]! - mean) / std;
    return Math.round(total * (normalCdf(hi) - normalCdf(lo)));
  });
}

function psi(reference: number[], current: number[]): number {
  const r = reference.reduce((a, b) => a + b, 0);
  const c = current.reduce((a, b) => a + b, 0);
  return reference.reduce((sum, ref, i) => {
    const p = Math.max(ref / r, 1e-4);
    const q = Math.max(current[i]! / c, 1e-4);
    return sum + (q - p) * Math.log(q / p);
  }, 0);
}

function jsDistance(p: number[], q: number[]): number {
  const kl = (a: number[], b: number[]) => a.reduce((s, x, i) => (x > 0 ? s + x * Math.log2(x / b[i]!) : s), 0);
  const m = p.map((x, i) => (x + q[i]!) / 2);
  return Math.sqrt(Math.max(0, (kl(p, m) + kl(q, m)) / 2));
}

interface Stat {
  method: string;
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  detail: Record<string, unknown>;
}

export function seedMonitoring(db: Database.Database, seed: MonitoringSeed): SeededMonitoring {
  const rand = random(42);
  const noise = () => rand() * 2 - 1;
  const version = db
    .prepare('SELECT mv.version_pk, rm.model_id FROM model_versions mv JOIN registered_models rm ON rm.model_id = mv.model_id WHERE rm.name = ? AND mv.version = ?')
    .get(seed.model, Number(seed.version)) as { version_pk: number; model_id: number } | undefined;
  if (!version) throw new Error(`${seed.model} v${seed.version} is not registered`);
  const dataset = seed.referenceDataset
    ? (db
        .prepare('SELECT dv.version_id, dv.sha256, nd.name || \'@\' || dv.version AS ref FROM dataset_versions dv JOIN named_datasets nd ON nd.dataset_id = dv.dataset_id WHERE nd.name = ? ORDER BY dv.version DESC LIMIT 1')
        .get(seed.referenceDataset) as { version_id: number; sha256: string; ref: string } | undefined)
    : undefined;
  const small = seed.referenceRows <= 1000;
  const now = Date.now();

  const numeric = new Map(seed.features.map((f, k) => [f.name, { mean: 5 + k, std: 1 + 0.1 * k }]));
  const edgesOf = (name: string) => {
    const { mean, std } = numeric.get(name)!;
    return Array.from({ length: 13 }, (_, i) => Number((mean - 3 * std + (i * std) / 2).toFixed(4)));
  };
  const refCategories = [0.4, 0.3, 0.2, 0.1];
  const refClasses = seed.classes.map(() => 1 / seed.classes.length);
  const profile = {
    rows: seed.referenceRows,
    columns: seed.features.map((f) => {
      if (f.kind === 'categorical') {
        return { name: f.name, kind: 'categorical', count: seed.referenceRows, nulls: 0, distinct: 4, categories: Object.fromEntries(CATEGORIES.map((c, i) => [c, Math.round(seed.referenceRows * refCategories[i]!)])) };
      }
      const { mean, std } = numeric.get(f.name)!;
      const edges = edgesOf(f.name);
      return { name: f.name, kind: 'numeric', count: seed.referenceRows, nulls: 0, distinct: seed.referenceRows, mean, std, histogram: { edges, counts: histogramCounts(edges, mean, std, seed.referenceRows) } };
    }),
    prediction: { name: PREDICTION_COLUMN, kind: 'categorical', count: seed.referenceRows, nulls: 0, distinct: seed.classes.length, categories: Object.fromEntries(seed.classes.map((c, i) => [c, Math.round(seed.referenceRows * refClasses[i]!)])) },
  };
  db.prepare(
    `INSERT OR REPLACE INTO monitoring_references (version_pk, dataset_version_id, dataset_ref, dataset_sha256, source, status, error, profile_json, created_time, updated_time)
     VALUES (?, ?, ?, ?, 'lineage', 'ready', NULL, ?, ?, ?)`,
  ).run(version.version_pk, dataset?.version_id ?? null, dataset?.ref ?? 'unknown@1', dataset?.sha256 ?? '0'.repeat(64), JSON.stringify(profile), now, now);

  const insertWindow = db.prepare(
    `INSERT INTO monitoring_windows (version_pk, reference_dataset_version_id, reference_sha256, spec, from_time, to_time, first_prediction_pk, last_prediction_pk, rows, labelled_rows, complete, settings_sha256, computed_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const insertMetric = db.prepare(
    'INSERT INTO monitoring_metrics (window_pk, kind, column_name, method, statistic, p_value, threshold, drifted, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const metric = (windowPk: number, kind: string, column: string, s: Stat) =>
    insertMetric.run(windowPk, kind, column, s.method, s.statistic, s.pValue, s.threshold, s.drifted ? 1 : 0, JSON.stringify(s.detail));

  const categoricalStat = (column: string, type: string, categories: string[], reference: number[], shift: number, rows: number): Stat => {
    const current = reference.map((p, i) => Math.max(0.001, p + (i === reference.length - 1 ? shift : -shift / (reference.length - 1)) + noise() * 0.004));
    const total = current.reduce((a, b) => a + b, 0);
    const shares = current.map((c) => c / total);
    const refCounts = reference.map((p) => Math.round(p * seed.referenceRows));
    const curCounts = shares.map((p) => Math.round(p * rows));
    const distributions = { kind: 'categories', categories, reference: refCounts, current: curCounts };
    const base = { type, reason: null, psi: null, referenceRows: seed.referenceRows, currentRows: rows, nullRate: { reference: 0, current: 0 }, distributions };
    if (small) {
      const chi = shares.reduce((s, q, i) => s + (rows * (q - reference[i]!) ** 2) / reference[i]!, 0);
      const p = Math.exp(-chi / 2) * (1 + chi / 2);
      return { method: 'chisquare', statistic: chi, pValue: p, threshold: 0.05, drifted: p < 0.05, detail: { ...base, effectSize: { name: 'cramers_v', value: Math.sqrt(chi / rows / 2), magnitude: magnitude(Math.sqrt(chi / rows / 2)) } } };
    }
    const js = jsDistance(reference, shares);
    return { method: 'jensenshannon', statistic: js, pValue: null, threshold: 0.1, drifted: js >= 0.1, detail: { ...base, effectSize: { name: 'js_distance', value: js, magnitude: magnitude(js * 2) } } };
  };

  const windowIds: string[] = [];
  const alertIds: string[] = [];
  const spec = JSON.stringify({ by: 'count', size: seed.rowsPerWindow });
  const interval = 60_000 / Math.max(1, seed.rowsPerWindow / 10);
  db.transaction(() => {
    for (let w = 0; w < seed.windows; w++) {
      const rows = seed.rowsPerWindow;
      const progress = w < seed.driftFrom ? 0 : 0.6 + (0.5 * (w - seed.driftFrom)) / Math.max(1, seed.windows - seed.driftFrom);
      const labelled = w < seed.windows * 0.6 ? rows : w < seed.windows * 0.8 ? Math.round(rows * 0.4) : 0;
      const from = seed.startTime + w * rows * interval;
      const first = (seed.firstPredictionPk ?? 1) + w * rows;
      const windowPk = Number(
        insertWindow.run(version.version_pk, dataset?.version_id ?? null, dataset?.sha256 ?? null, spec, from, from + rows * interval - 1, first, first + rows - 1, rows, labelled, 'a'.repeat(64), now).lastInsertRowid,
      );
      windowIds.push(String(windowPk));
      let drifted = 0;
      for (const f of seed.features) {
        const shift = seed.driftedFeatures.includes(f.name) ? progress : 0;
        let s: Stat;
        if (f.kind === 'categorical') {
          s = categoricalStat(f.name, 'categorical', CATEGORIES, refCategories, shift * 0.25, rows);
        } else {
          const { mean, std } = numeric.get(f.name)!;
          const wobble = noise() * 0.03;
          const moved = shift + wobble;
          const edges = edgesOf(f.name);
          const reference = histogramCounts(edges, mean, std, seed.referenceRows);
          const current = histogramCounts(edges, mean + moved * std, std * (1 + noise() * 0.02), rows);
          const effect = Math.abs(moved);
          const detail = {
            type: 'numeric',
            reason: null,
            psi: psi(reference, current),
            referenceRows: seed.referenceRows,
            currentRows: rows,
            nullRate: { reference: 0, current: 0 },
            distributions: { kind: 'histogram', edges, reference, current },
          };
          if (small) {
            const d = 2 * normalCdf(effect / 2) - 1 + rand() * 0.6 / Math.sqrt(rows);
            const p = ksPValue(d, seed.referenceRows, rows);
            s = { method: 'ks', statistic: d, pValue: p, threshold: 0.05, drifted: p < 0.05, detail: { ...detail, effectSize: { name: 'cohens_d', value: effect, magnitude: magnitude(effect) } } };
          } else {
            s = { method: 'wasserstein', statistic: effect, pValue: null, threshold: 0.1, drifted: effect >= 0.1, detail: { ...detail, effectSize: { name: 'wasserstein_std', value: effect, magnitude: magnitude(effect) } } };
          }
        }
        if (s.drifted) drifted++;
        metric(windowPk, 'feature_drift', f.name, s);
        const nullRate = f.name === seed.features[0]!.name && w > seed.windows * 0.9 ? 0.12 : 0;
        insertMetric.run(windowPk, 'null_rate', f.name, 'share', nullRate, null, null, null, JSON.stringify({ reference: 0 }));
      }
      metric(windowPk, 'prediction_drift', PREDICTION_COLUMN, categoricalStat(PREDICTION_COLUMN, 'categorical', seed.classes, refClasses, progress * 0.3, rows));
      const share = drifted / seed.features.length;
      metric(windowPk, 'dataset_drift', '__dataset__', { method: 'share', statistic: share, pValue: null, threshold: 0.5, drifted: share >= 0.5, detail: { driftedColumns: drifted, columns: seed.features.length } });
      const accuracy = Math.min(0.99, 0.94 - progress * 0.25 + noise() * 0.015);
      const quality = (column: string, value: number, threshold: number | null) =>
        insertMetric.run(windowPk, 'quality', column, 'realised', value, null, threshold, threshold === null ? null : value < threshold ? 1 : 0, JSON.stringify({ labelled }));
      if (labelled > 0) {
        quality('accuracy', accuracy, 0.8);
        quality('f1_macro', accuracy - 0.02, null);
      }
      insertMetric.run(windowPk, 'quality', 'label_coverage', 'realised', labelled / rows, null, null, null, JSON.stringify({ labelled, rows }));
      const estimate = Math.min(0.99, accuracy + noise() * 0.02);
      insertMetric.run(windowPk, 'estimated_quality', 'accuracy', 'cbpe', estimate, null, 0.8, estimate < 0.8 ? 1 : 0, JSON.stringify({ lower: estimate - 0.035, upper: Math.min(1, estimate + 0.035) }));
    }
    if (seed.alert) {
      const rule = Number(
        db.prepare('INSERT INTO alert_rules (model_id, rule_json, webhook_url, enabled, created_time) VALUES (?, ?, NULL, 1, ?)').run(version.model_id, JSON.stringify({ kind: 'dataset_drift' }), now).lastInsertRowid,
      );
      const evidence = windowIds.slice(-3);
      const insertAlert = db.prepare(
        "INSERT INTO alerts (rule_pk, version_pk, state, message, value, fired_time, resolved_time, evidence_json, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM alerts))",
      );
      alertIds.push(
        String(
          insertAlert.run(rule, version.version_pk, 'firing', `Dataset drift: ${seed.driftedFeatures.length} of ${seed.features.length} features drifted`, seed.driftedFeatures.length / seed.features.length, now - 60_000, null, JSON.stringify({ windows: evidence, features: seed.driftedFeatures })).lastInsertRowid,
        ),
      );
      alertIds.push(
        String(
          insertAlert.run(rule, version.version_pk, 'resolved', 'Null rate of a feature above 5%', 0.07, now - 3_600_000, now - 1_800_000, JSON.stringify({ windows: windowIds.slice(0, 1), features: [seed.features[0]!.name] })).lastInsertRowid,
        ),
      );
    }
  })();
  return { windowIds, driftedWindow: windowIds[seed.windows - 1]!, alertIds };
}
