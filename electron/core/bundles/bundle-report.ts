import type { BundleMeta, Signer } from '../../../shared/bundles.js';
import type { SqliteDatabase } from '../store/database.js';
import { readMetricSeries } from '../store/metric-series.js';
import { reportChart, type ChartSeries } from './report-chart.js';

/** Points per run and metric drawn in the report: enough for the shape, small enough for a file anyone opens. */
export const REPORT_POINTS_PER_RUN = 300;

export interface ReportOptions {
  /** Who signs the bundle and when it is written (the exporter knows both before it writes the entries). */
  signer?: Signer;
  createdTime?: number;
}

interface RunRow {
  run_pk: number;
  run_uuid: string;
  name: string;
  status: string;
  start_time: number | null;
  end_time: number | null;
  experiment_id: number;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const formatTime = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));

function formatDuration(start: number | null, end: number | null): string {
  if (start === null || end === null || end < start) return '—';
  const s = Math.round((end - start) / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function formatValue(value: number | null, isNan: number): string {
  if (isNan) return 'NaN';
  if (value === null) return '—';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(5)));
}

const STYLE = `
html{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--head:#f3f5f7}
@media (prefers-color-scheme:dark){html{--bg:#15181c;--fg:#e6e9ed;--muted:#9aa4af;--line:#2e343b;--head:#1d2126}}
body{margin:0;padding:24px 32px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:var(--muted);margin:0 0 16px}.meta b{color:var(--fg);font-weight:600}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap;vertical-align:top}
th{background:var(--head);font-weight:600}td.num{text-align:right}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}svg{width:100%;height:auto;display:block}
svg text{fill:var(--muted);font-size:11px}.grid{stroke:var(--line)}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin-top:6px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
footer{margin-top:28px;color:var(--muted);font-size:12px}
`;

/**
 * The bundle's report.html: readable by anyone with a browser, offline and without MLDesk. One file,
 * no script, no external resource: the runs table (name, status, start, duration, params, last
 * metrics) and per metric an inline SVG line chart of every run's history, downsampled to
 * REPORT_POINTS_PER_RUN points per run (bucket means, as the app draws them). Everything taken
 * from the store is HTML-escaped: run names and params are the author's free text.
 */
export function renderBundleReport(db: SqliteDatabase, meta: BundleMeta, options: ReportOptions = {}): string {
  const runs = db
    .prepare("SELECT run_pk, run_uuid, name, status, start_time, end_time, experiment_id FROM runs WHERE lifecycle_stage = 'active' ORDER BY start_time, run_pk")
    .all() as RunRow[];
  const params = db.prepare('SELECT run_pk, key, value FROM params ORDER BY key').all() as Array<{ run_pk: number; key: string; value: string }>;
  const latest = db.prepare('SELECT run_pk, key, value, is_nan FROM latest_metrics ORDER BY key').all() as Array<{ run_pk: number; key: string; value: number | null; is_nan: number }>;
  const paramKeys = [...new Set(params.map((p) => p.key))];
  const metricKeys = [...new Set(latest.map((m) => m.key))];
  const paramOf = new Map(params.map((p) => [`${p.run_pk}\u0000${p.key}`, p.value]));
  const metricOf = new Map(latest.map((m) => [`${m.run_pk}\u0000${m.key}`, m]));
  const experiments = new Map(meta.experiments.map((e) => [e.id, e.name]));

  const head = ['Run', 'Experiment', 'Status', 'Start', 'Duration', ...paramKeys, ...metricKeys].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = runs
    .map((run) => {
      const cells = [
        `<td>${escapeHtml(run.name || run.run_uuid)}</td>`,
        `<td>${escapeHtml(experiments.get(String(run.experiment_id)) ?? String(run.experiment_id))}</td>`,
        `<td>${escapeHtml(run.status)}</td>`,
        `<td>${formatTime(run.start_time)}</td>`,
        `<td class="num">${formatDuration(run.start_time, run.end_time)}</td>`,
        ...paramKeys.map((key) => `<td>${escapeHtml(paramOf.get(`${run.run_pk}\u0000${key}`) ?? '')}</td>`),
        ...metricKeys.map((key) => {
          const m = metricOf.get(`${run.run_pk}\u0000${key}`);
          return `<td class="num">${m ? formatValue(m.value, m.is_nan) : ''}</td>`;
        }),
      ];
      return `<tr data-run="${escapeHtml(run.run_uuid)}">${cells.join('')}</tr>`;
    })
    .join('\n');

  const charts = metricKeys
    .map((key) => {
      const series: ChartSeries[] = runs.map((run) => {
        const s = readMetricSeries(db, { runPk: run.run_pk, runId: run.run_uuid, startTime: run.start_time }, key, 'step', REPORT_POINTS_PER_RUN);
        return { name: run.name || run.run_uuid, x: s.x, y: s.y };
      });
      return `<figure data-metric="${escapeHtml(key)}"><figcaption>${escapeHtml(key)}</figcaption>${reportChart(series, 'step')}</figure>`;
    })
    .join('\n');

  const title = meta.experiments.map((e) => e.name).join(', ') || 'Experiment bundle';
  const signer = options.signer ? `<b>${escapeHtml(options.signer.name)}</b> (${escapeHtml(options.signer.fingerprint)})` : 'the key in the bundle’s manifest';
  const created = formatTime(options.createdTime ?? Date.now());
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)} — MLDesk bundle report</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Bundle of <b>${meta.counts.runs}</b> runs, ${meta.counts.metricPoints.toLocaleString('en-US')} metric points, ${meta.counts.artifacts} artifacts · signed by ${signer} · created ${created}${meta.anonymized ? ' · anonymized' : ''}</p>
<h2>Runs</h2>
<div class="scroll"><table id="runs"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
<h2>Metrics</h2>
<div class="charts">
${charts || '<p class="meta">No metrics were logged.</p>'}
</div>
<footer>Written by MLDesk. Charts show up to ${REPORT_POINTS_PER_RUN} points per run (bucket means of longer histories). Check the signature with <code>mldesk bundle verify</code>; open the bundle with <code>mldesk bundle open</code> for full histories and artifacts.</footer>
</body></html>
`;
}
