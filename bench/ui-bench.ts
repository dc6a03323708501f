import { chromium, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrackingStoreModule } from './project-modules.js';
import { startServerProcess } from './server-process.js';
import { summarize, textTable, type LatencySummary } from './stats.js';

export interface UiBenchResult {
  table: { runs: number; navToReady: LatencySummary; baselineRuns: number; baselineNavToReady: LatencySummary };
  chart: {
    points: number;
    navToReady: LatencySummary;
    /** Chart render time: its data request to lines drawn. */
    requestToReady: LatencySummary;
    baselineRequestToReady: LatencySummary;
    seriesCall: LatencySummary;
    pointsDrawn: number;
    payloadBytes: number;
    baselinePoints: number;
    baselineNavToReady: LatencySummary;
    rawHistoryBytes: number;
  };
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Seeded {
  bigExperiment: string;
  smallExperiment: string;
  bigRun: string;
  smallRun: string;
}

/** Seeds through the store in-process (the same code the server runs), which is far faster than HTTP. */
async function seed(dataDir: string, runs: number, baselineRuns: number, points: number, baselinePoints: number): Promise<Seeded> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const store = TrackingStore.open(dataDir);
  try {
    const makeRuns = (experimentId: string, count: number) => {
      store.db.transaction(() => {
        for (let i = 0; i < count; i++) {
          const run = store.createRun({ experimentId, runName: `run-${i}`, startTime: 1_700_000_000_000 + i * 1000, tags: [{ key: 'team', value: i % 2 ? 'vision' : 'nlp' }] });
          store.logBatch(run.info.run_id, {
            metrics: ['accuracy', 'loss', 'f1', 'auc'].map((key, k) => ({ key, value: Math.abs(Math.sin(i * (k + 1))), timestamp: 1_700_000_000_000 + i, step: 10 })),
            params: [
              { key: 'lr', value: String(0.001 * ((i % 10) + 1)) },
              { key: 'layers', value: String((i % 4) + 1) },
            ],
            tags: [],
          });
          store.updateRun(run.info.run_id, { status: 'FINISHED', endTime: 1_700_000_000_000 + i * 1000 + 60_000 });
        }
      })();
    };
    const bigExperiment = store.experiments.create('bench-10k-runs', undefined, []);
    makeRuns(bigExperiment, runs);
    const smallExperiment = store.experiments.create('bench-100-runs', undefined, []);
    makeRuns(smallExperiment, baselineRuns);
    const history = (count: number) => {
      const run = store.createRun({ experimentId: smallExperiment, runName: `history-${count}`, startTime: 1_700_000_000_000, tags: [] }).info.run_id;
      for (let start = 0; start < count; start += 1000) {
        const metrics = [];
        for (let step = start; step < Math.min(count, start + 1000); step++) {
          metrics.push({ key: 'loss', value: 1 / (1 + step / 10_000) + 0.05 * Math.sin(step / 50) + (step % 99_991 === 0 ? 0.5 : 0), timestamp: 1_700_000_000_000 + step * 10, step });
        }
        store.logBatch(run, { metrics, params: [], tags: [] });
      }
      return run;
    };
    return { bigExperiment, smallExperiment, bigRun: history(points), smallRun: history(baselinePoints) };
  } finally {
    store.close();
  }
}

interface Timing {
  navToReadyMs: number;
  /** From the page asking for the chart's data (first metrics.series request) to the chart drawn. */
  requestToReadyMs: number | null;
}

async function timeToSelector(browser: Browser, url: string, selector: string, repeats: number, onPage?: (page: Page) => void): Promise<Timing[]> {
  const samples: Timing[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    onPage?.(page);
    let requestedAt: number | null = null;
    page.on('request', (request) => {
      if (requestedAt === null && request.url().includes('app-api/metrics.series')) requestedAt = performance.now();
    });
    const started = performance.now();
    await page.goto(url);
    await page.waitForSelector(selector, { timeout: 60_000 });
    const ready = performance.now();
    // The first load warms the server's and the browser's caches.
    if (i > 0) samples.push({ navToReadyMs: ready - started, requestToReadyMs: requestedAt === null ? null : ready - requestedAt });
    await page.close();
  }
  return samples;
}

const nav = (timings: Timing[]) => summarize(timings.map((t) => t.navToReadyMs));
const render = (timings: Timing[]) => summarize(timings.map((t) => t.requestToReadyMs ?? NaN));

export async function benchUi(options: {
  workDir: string;
  runs: number;
  points: number;
  repeats: number;
  screenshotsDir?: string;
  log: (line: string) => void;
}): Promise<UiBenchResult> {
  const dataDir = join(options.workDir, 'ui');
  mkdirSync(dataDir, { recursive: true });
  const baselineRuns = 100;
  const baselinePoints = 1_000;
  options.log(`ui: seeding ${options.runs} runs and a ${options.points}-point history...`);
  const seeded = await seed(dataDir, options.runs, baselineRuns, options.points, baselinePoints);
  const server = await startServerProcess(dataDir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const tableReady = '[data-testid="runs-table"][data-state="ready"]';
    options.log('ui: runs table navigation timings...');
    const big = await timeToSelector(browser, `${server.url}/#/experiments/${seeded.bigExperiment}`, tableReady, options.repeats);
    const small = await timeToSelector(browser, `${server.url}/#/experiments/${seeded.smallExperiment}`, tableReady, options.repeats);

    options.log('ui: metric chart timings...');
    const chartReady = '[data-testid="metric-chart"][data-key="loss"][data-state="ready"]';
    const seriesCalls: number[] = [];
    let payloadBytes = 0;
    const watchSeries = (page: Page) => {
      page.on('requestfinished', async (request) => {
        if (!request.url().includes('app-api/metrics.series')) return;
        const timing = request.timing();
        seriesCalls.push(timing.responseEnd);
        const response = await request.response();
        const body = await response?.body().catch(() => undefined);
        if (body) payloadBytes = Math.max(payloadBytes, body.length);
      });
    };
    const chart = await timeToSelector(browser, `${server.url}/#/runs/${seeded.bigRun}?tab=metrics`, chartReady, options.repeats, watchSeries);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${server.url}/#/runs/${seeded.bigRun}?tab=metrics`);
    const drawn = Number(await page.locator(chartReady).first().getAttribute('data-points'));
    if (options.screenshotsDir) {
      mkdirSync(options.screenshotsDir, { recursive: true });
      await page.screenshot({ path: join(options.screenshotsDir, 'bench-1m-point-chart.png') });
      await page.goto(`${server.url}/#/experiments/${seeded.bigExperiment}`);
      await page.waitForSelector(tableReady);
      await page.screenshot({ path: join(options.screenshotsDir, 'bench-10k-runs-table.png') });
    }
    await page.close();
    const chartSmall = await timeToSelector(browser, `${server.url}/#/runs/${seeded.smallRun}?tab=metrics`, chartReady, options.repeats);

    options.log('ui: raw history payload for comparison...');
    const raw = await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${seeded.bigRun}&metric_key=loss`);
    const rawHistoryBytes = (await raw.arrayBuffer()).byteLength;

    return {
      table: { runs: options.runs, navToReady: nav(big), baselineRuns, baselineNavToReady: nav(small) },
      chart: {
        points: options.points,
        navToReady: nav(chart),
        requestToReady: render(chart),
        seriesCall: summarize(seriesCalls.length ? seriesCalls : [NaN]),
        pointsDrawn: drawn,
        payloadBytes,
        baselinePoints,
        baselineNavToReady: nav(chartSmall),
        baselineRequestToReady: render(chartSmall),
        rawHistoryBytes,
      },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

export const UI_TARGETS = { tableNavMs: 1000, chartMs: 300 } as const;

export interface UiCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

export function uiTargetChecks(result: UiBenchResult): UiCheck[] {
  return [
    {
      id: 'ui-table',
      description: `navigation to a usable runs table, ${result.table.runs.toLocaleString('en-US')} runs, median ms`,
      measured: result.table.navToReady.medianMs,
      target: `< ${UI_TARGETS.tableNavMs} ms`,
      met: result.table.navToReady.medianMs < UI_TARGETS.tableNavMs,
    },
    {
      id: 'ui-chart',
      description: `metric chart render (data request to lines drawn), ${result.chart.points.toLocaleString('en-US')}-point history, median ms`,
      measured: result.chart.requestToReady.medianMs,
      target: `< ${UI_TARGETS.chartMs} ms`,
      met: result.chart.requestToReady.medianMs < UI_TARGETS.chartMs,
    },
  ];
}

export function formatUiTable(result: UiBenchResult, checks: UiCheck[]): string {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);
  const met = (id: string) => (checks.find((c) => c.id === id)?.met ? 'yes' : 'NO');
  const rows: string[][] = [
    ['Figure (Chromium, same run)', 'Measured', 'Baseline', 'Target', 'Met'],
    [
      `runs table usable after navigation, ${result.table.runs.toLocaleString('en-US')} runs`,
      `${ms(result.table.navToReady.medianMs)} (p95 ${ms(result.table.navToReady.p95Ms)})`,
      `${ms(result.table.baselineNavToReady.medianMs)} with ${result.table.baselineRuns} runs`,
      `< ${UI_TARGETS.tableNavMs} ms`,
      met('ui-table'),
    ],
    [
      `metric chart render (request → drawn), ${result.chart.points.toLocaleString('en-US')} points`,
      `${ms(result.chart.requestToReady.medianMs)} (p95 ${ms(result.chart.requestToReady.p95Ms)})`,
      `${ms(result.chart.baselineRequestToReady.medianMs)} with ${result.chart.baselinePoints.toLocaleString('en-US')} points`,
      `< ${UI_TARGETS.chartMs} ms`,
      met('ui-chart'),
    ],
    ['  of which the metrics.series call', `${ms(result.chart.seriesCall.medianMs)}`, '', '', ''],
    [
      '  whole page: navigation → chart drawn',
      `${ms(result.chart.navToReady.medianMs)} (p95 ${ms(result.chart.navToReady.p95Ms)})`,
      `${ms(result.chart.baselineNavToReady.medianMs)} with ${result.chart.baselinePoints.toLocaleString('en-US')} points`,
      'report only',
      '',
    ],
    [
      '  payload sent for that chart',
      `${kb(result.chart.payloadBytes)} (${result.chart.pointsDrawn} points drawn)`,
      `${kb(result.chart.rawHistoryBytes)} full get-history`,
      'report only',
      '',
    ],
  ];
  return textTable(rows);
}
