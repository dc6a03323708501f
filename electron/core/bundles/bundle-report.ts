import type { BundleMeta } from '../../../shared/bundles.js';
import type { SqliteDatabase } from '../store/database.js';

/**
 * report.html of a bundle: a self-contained page (no script from anywhere, no network) that reads
 * without MLDesk. This minimal version lists the runs (name, status, params, last metric values);
 * the bundle-open work replaces it with charts, keeping this signature.
 */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface RunLine {
  run_pk: number;
  run_uuid: string;
  name: string;
  status: string;
  experiment: string;
}

export function renderBundleReport(db: SqliteDatabase, meta: BundleMeta): string {
  const runs = db
    .prepare(`SELECT r.run_pk, r.run_uuid, r.name, r.status, e.name AS experiment FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id ORDER BY e.name, r.start_time`)
    .all() as RunLine[];
  const params = db.prepare('SELECT key, value FROM params WHERE run_pk = ? ORDER BY key');
  const metrics = db.prepare('SELECT key, value, is_nan, step FROM latest_metrics WHERE run_pk = ? ORDER BY key');
  const rows = runs.map((run) => {
    const p = (params.all(run.run_pk) as { key: string; value: string }[]).map((x) => `${escapeHtml(x.key)}=${escapeHtml(x.value)}`).join('<br>');
    const m = (metrics.all(run.run_pk) as { key: string; value: number; is_nan: number; step: number }[])
      .map((x) => `${escapeHtml(x.key)}: ${x.is_nan ? 'NaN' : String(x.value)} <small>(step ${x.step})</small>`)
      .join('<br>');
    return `<tr><td>${escapeHtml(run.experiment)}</td><td>${escapeHtml(run.name)}<br><small>${run.run_uuid}</small></td><td>${escapeHtml(run.status)}</td><td>${p}</td><td>${m}</td></tr>`;
  });
  const title = `MLDesk bundle: ${meta.experiments.map((e) => e.name).join(', ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#1d2330;background:#fff}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px;vertical-align:top;text-align:left}small{color:#667}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${meta.counts.runs} runs, ${meta.counts.metricPoints} metric points, ${meta.counts.artifacts} artifact files${meta.anonymized ? ', anonymised' : ''}.</p>
<table><thead><tr><th>Experiment</th><th>Run</th><th>Status</th><th>Params</th><th>Last metrics</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</body></html>
`;
}
