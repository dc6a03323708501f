import { chromium, type Browser } from '@playwright/test';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { seedMonitoring, type SeedFeature } from '../e2e/monitoring-seed.js';
import { loadMonitorSettingsModule, loadRegistryModule, loadTrackingStoreModule } from './project-modules.js';
import { startServerProcess } from './server-process.js';
import { summarize, textTable, timeCalls, type LatencySummary } from './stats.js';

/**
 * The monitoring page of a model with 1,000,000 logged predictions of 30 features (1,000 windows of
 * 1,000 rows and their statistics), opened in Chromium against `mldesk serve`: time from navigation
 * to the heat map, the charts and one cell's distributions drawn, beside the same model's Versions
 * tab (no monitoring) in the same run; and each read operation alone over HTTP.
 */

export interface MonitoringPageResult {
  predictions: number;
  features: number;
  windows: number;
  seedSeconds: number;
  /** A fresh browser tab loading the whole app at the monitoring page (bundle, shell, model, page). */
  pageOpen: LatencySummary;
  baselineVersionsTab: LatencySummary;
  /** In the app, on the model's Versions tab: click Monitoring → heat map and charts drawn. */
  tabOpen: LatencySummary;
  /** In the app, on the Monitoring tab: click Versions → its table drawn. */
  baselineTabSwitch: LatencySummary;
  /** Navigation → the log's first page, once; null when it took over the 60 s allowed. */
  predictionLogTab: LatencySummary | null;
  ops: Record<'overview' | 'heatmap' | 'cell' | 'lineage', LatencySummary & { bytes: number }>;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MODEL = 'bench-monitored';
export const MONITORING_PAGE_TARGET_MS = 1000;

export async function seedMonitoredModel(dataDir: string, predictions: number, featureCount: number, windows: number): Promise<{ runId: string }> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const { ModelRegistry } = await loadRegistryModule();
  const store = TrackingStore.open(dataDir);
  let runId: string;
  try {
    const experiment = store.experiments.create('bench-monitoring', undefined, []);
    runId = store.createRun({ experimentId: experiment, runName: 'monitored-run', startTime: Date.now() - 86_400_000, tags: [] }).info.run_id;
    store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() - 86_000_000 });
    const registry = new ModelRegistry(store.db);
    registry.createModel(MODEL);
    registry.createVersion(MODEL, { source: `runs:/${runId}/model`, runId });
    const datasetId = store.db.prepare("INSERT INTO named_datasets (name, created_time) VALUES ('bench-reference', ?)").run(Date.now()).lastInsertRowid;
    store.db
      .prepare(
        `INSERT INTO dataset_versions (dataset_id, version, sha256, format, row_count, byte_size, schema_json, stats_json, original_file_name, created_time)
         VALUES (?, 1, ?, 'csv', 50000, 9000000, '{}', '{}', 'reference.csv', ?)`,
      )
      .run(datasetId, 'b'.repeat(64), Date.now());
  } finally {
    store.close();
  }
  const db = new Database(join(dataDir, 'mldesk.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const features: SeedFeature[] = Array.from({ length: featureCount }, (_, i) => ({ name: `f${String(i + 1).padStart(2, '0')}`, kind: i >= featureCount - 2 ? 'categorical' : 'numeric' }));
    const insert = db.prepare(
      `INSERT INTO predictions (request_id, model_name, model_version, run_id, inputs_json, output_json, predicted_label, predicted_value, latency_us, endpoint, created_time)
       VALUES (?, ?, 1, ?, ?, ?, ?, NULL, ?, '/invocations', ?)`,
    );
    const start = Date.now() - predictions * 100;
    const classes = ['no', 'yes'];
    db.transaction(() => {
      for (let i = 0; i < predictions; i++) {
        const inputs: Record<string, number | string> = {};
        for (let k = 0; k < features.length; k++) inputs[features[k]!.name] = features[k]!.kind === 'categorical' ? 'ABCD'[(i + k) % 4]! : Math.round(((i * 7919 + k * 104729) % 10007) / 10.007) / 100 + k;
        const label = classes[i % 2]!;
        insert.run(`bench-${String(i).padStart(8, '0')}`, MODEL, runId, JSON.stringify(inputs), JSON.stringify({ label, probabilities: { no: i % 2 ? 0.3 : 0.7, yes: i % 2 ? 0.7 : 0.3 } }), label, 800 + (i % 500), start + i * 100);
      }
    })();
    seedMonitoring(db, {
      model: MODEL,
      version: '1',
      referenceDataset: 'bench-reference',
      referenceRows: 50_000,
      features,
      classes,
      windows,
      rowsPerWindow: Math.floor(predictions / windows),
      driftedFeatures: features.slice(0, 5).map((f) => f.name),
      driftFrom: Math.floor(windows * 0.7),
      startTime: start,
      firstPredictionPk: 1,
      alert: true,
    });
    // The seeded windows become the engine's own series (its spec and settings hash), as if serve's
    // pass had computed them: its next pass then finds nothing new instead of recomputing a
    // million rows while the page is measured.
    const { settingsOfModelId, settingsSha256, specText } = await loadMonitorSettingsModule();
    const { model_id: modelId } = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').get(MODEL) as { model_id: number };
    const settings = settingsOfModelId(db, modelId);
    db.prepare('UPDATE monitoring_windows SET spec = ?, settings_sha256 = ?').run(specText(settings.window), settingsSha256(settings));
  } finally {
    db.close();
  }
  return { runId };
}

/** Navigation → every selector present, `repeats` times after one warm-up load. */
/** Opens `from` in a fresh tab, waits for `fromReady`, then times a click on the tab named `tab` until `selectors` are drawn. */
async function timeTabSwitch(browser: Browser, from: string, fromReady: string[], tab: string, selectors: string[], repeats: number, warmUp = 1): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 1 - warmUp; i <= repeats; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(from);
      for (const selector of fromReady) await page.waitForSelector(selector, { timeout: 60_000, state: 'attached' });
      const started = performance.now();
      await page.getByRole('tab', { name: tab }).click();
      for (const selector of selectors) await page.waitForSelector(selector, { timeout: 60_000, state: 'attached' });
      if (i > 0) samples.push(performance.now() - started);
    } finally {
      await page.close().catch(() => undefined);
    }
  }
  return samples;
}

async function timeOpen(browser: Browser, url: string, selectors: string[], repeats: number, warmUp = 1): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 1 - warmUp; i <= repeats; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const started = performance.now();
    await page.goto(url);
    try {
      for (const selector of selectors) await page.waitForSelector(selector, { timeout: 60_000, state: 'attached' });
    } finally {
      await page.close().catch(() => undefined);
    }
    if (i > 0) samples.push(performance.now() - started);
  }
  return samples;
}

export async function benchMonitoringPage(options: {
  workDir: string;
  predictions: number;
  features: number;
  windows: number;
  repeats: number;
  screenshotsDir?: string;
  log: (line: string) => void;
}): Promise<MonitoringPageResult> {
  const dataDir = join(options.workDir, 'monitoring-page');
  mkdirSync(dataDir, { recursive: true });
  options.log(`monitoring page: seeding ${options.predictions.toLocaleString('en-US')} predictions × ${options.features} features and ${options.windows} windows...`);
  const seedStarted = performance.now();
  await seedMonitoredModel(dataDir, options.predictions, options.features, options.windows);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const server = await startServerProcess(dataDir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const call = async (operation: string, input: unknown): Promise<{ ms: number; bytes: number; value: unknown }> => {
      const started = performance.now();
      const response = await fetch(`${server.url}/app-api/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const text = await response.text();
      const ms = performance.now() - started;
      const result = JSON.parse(text) as { ok: boolean; value?: unknown; error?: { message: string } };
      if (!result.ok) throw new Error(`${operation}: ${result.error?.message}`);
      return { ms, bytes: text.length, value: result.value };
    };
    options.log('monitoring page: read operations alone...');
    const overview = (await call('monitoring.overview', { model: MODEL })).value as { version: string; timeline: { ids: string[] } };
    const last = overview.timeline.ids.at(-1)!;
    const inputs = {
      overview: { model: MODEL },
      heatmap: { model: MODEL, version: overview.version, until: last, count: 92 },
      cell: { model: MODEL, version: overview.version, window: last, column: 'f01' },
      lineage: { model: MODEL, version: overview.version, window: last, column: 'f01' },
    };
    const ops = {} as MonitoringPageResult['ops'];
    for (const [name, input] of Object.entries(inputs) as Array<[keyof typeof inputs, unknown]>) {
      let bytes = 0;
      const summary = await timeCalls(3, 20, async () => {
        const answer = await call(`monitoring.${name}`, input);
        bytes = answer.bytes;
        return answer.ms;
      });
      ops[name] = { ...summary, bytes };
    }

    options.log('monitoring page: opening it in Chromium...');
    const page = `${server.url}/#/models/${MODEL}?tab=monitoring`;
    const ready = [
      '[data-testid="drift-heatmap"][data-state="ready"] [data-testid="heatmap-cell"]',
      '[data-testid="drift-share-chart"] .timeline-area',
      '[data-testid="prediction-chart"] .timeline-area',
      '[data-testid="quality-chart"] .timeline-line',
      '[data-testid="distribution-chart"] .recharts-bar-rectangle',
      '[data-testid="metrics-lineage-node"]',
    ];
    const pageOpen = await timeOpen(browser, page, ready, options.repeats);
    options.log(`monitoring page: open in ${summarize(pageOpen).medianMs.toFixed(0)} ms (median); baseline...`);
    const versionsReady = ['[data-testid="versions-table"] [data-testid="version-row"]'];
    const baseline = await timeOpen(browser, `${server.url}/#/models/${MODEL}`, versionsReady, options.repeats);
    options.log('monitoring page: opened from the model page (tab click)...');
    const tabOpen = await timeTabSwitch(browser, `${server.url}/#/models/${MODEL}`, versionsReady, 'Monitoring', ready, options.repeats);
    const tabBaseline = await timeTabSwitch(browser, page, ready, 'Versions', versionsReady, options.repeats);
    options.log('monitoring page: the prediction log tab once, for scale...');
    // The log's summary reads the million rows: once, without warm-up, and it may not finish.
    const predictionLog = await timeOpen(browser, `${server.url}/#/models/${MODEL}?tab=predictions`, ['.prediction-rows tbody tr'], 1, 0).catch(() => null);
    if (options.screenshotsDir) {
      mkdirSync(options.screenshotsDir, { recursive: true });
      const shot = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await shot.goto(page);
      for (const selector of ready) await shot.waitForSelector(selector, { state: 'attached' });
      await shot.screenshot({ path: join(options.screenshotsDir, 'bench-monitoring-page.png'), fullPage: true });
      await shot.close();
    }
    return {
      predictions: options.predictions,
      features: options.features,
      windows: options.windows,
      seedSeconds,
      pageOpen: summarize(pageOpen),
      baselineVersionsTab: summarize(baseline),
      tabOpen: summarize(tabOpen),
      baselineTabSwitch: summarize(tabBaseline),
      predictionLogTab: predictionLog ? summarize(predictionLog) : null,
      ops,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

export function monitoringPageTargetCheck(result: MonitoringPageResult) {
  return {
    id: 'monitoring-page',
    description: `monitoring page opened from its model (heat map + charts drawn), ${result.predictions.toLocaleString('en-US')} predictions × ${result.features} features, median ms`,
    measured: result.tabOpen.medianMs,
    target: `< ${MONITORING_PAGE_TARGET_MS} ms`,
    met: result.tabOpen.medianMs < MONITORING_PAGE_TARGET_MS,
  };
}

export function formatMonitoringPageTable(result: MonitoringPageResult): string {
  const ms = (s: LatencySummary) => `${s.medianMs.toFixed(0)} ms (p95 ${s.p95Ms.toFixed(0)})`;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const check = monitoringPageTargetCheck(result);
  const rows: string[][] = [
    ['Monitoring page (Chromium, same run)', 'Measured', 'Target', 'Met'],
    [`Monitoring tab clicked → heat map, charts, distributions and lineage drawn (${result.windows} windows)`, ms(result.tabOpen), check.target, check.met ? 'yes' : 'NO'],
    ['  baseline: Versions tab clicked from Monitoring → its table drawn', ms(result.baselineTabSwitch), 'report only', ''],
    ['cold: a fresh browser tab loads the app at the monitoring page (bundle, shell, page)', ms(result.pageOpen), 'report only', ''],
    ['  baseline: a fresh browser tab loads the app at the Versions tab', ms(result.baselineVersionsTab), 'report only', ''],
    ['  for scale: same model, Prediction log tab, once (reads the log)', result.predictionLogTab ? `${result.predictionLogTab.medianMs.toFixed(0)} ms` : 'over 60 s', 'report only', ''],
    ...(['overview', 'heatmap', 'cell', 'lineage'] as const).map((op) => [`  monitoring.${op} alone over HTTP (${kb(result.ops[op].bytes)})`, ms(result.ops[op]), 'report only', '']),
    [`  seeding (${result.predictions.toLocaleString('en-US')} predictions + windows and metrics)`, `${result.seedSeconds.toFixed(1)} s`, '', ''],
  ];
  return textTable(rows);
}
