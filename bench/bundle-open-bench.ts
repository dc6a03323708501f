import { chromium, type Browser } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildBundleFixture } from '../tests/fixtures/bundles.js';
import { PROJECT_ROOT } from './server-process.js';
import { summarize, textTable, type LatencySummary } from './stats.js';

/** Issue 14: opening a bundle read-only, from `mldesk bundle open` starting to the runs table drawn. */
export const BUNDLE_OPEN_TARGET_MS = 2000;

export interface BundleOpenBenchOptions {
  workDir: string;
  log(line: string): void;
  runs?: number;
  metrics?: number;
  steps?: number;
  artifactBytes?: number;
  repeats?: number;
}

export interface BundleOpenBenchResult {
  runs: number;
  metrics: number;
  steps: number;
  artifactBytes: number;
  bundleBytes: number;
  buildSeconds: number;
  /** `mldesk bundle open` (artifacts checked in the background): start → listening, start → runs table drawn. */
  open: { listening: LatencySummary; tableDrawn: LatencySummary };
  /** `mldesk bundle open --check-artifacts before-serving`: every entry hashed before serving. */
  openCheckedFirst: { listening: LatencySummary; tableDrawn: LatencySummary };
  /** `mldesk serve` on the data dir the bundle was made from, the same way. */
  serve: { listening: LatencySummary; tableDrawn: LatencySummary };
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Starts the CLI and resolves with its URL and the ms from spawn to its listening line. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; startedAt: number; listeningMs: number }> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'mldesk.js'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mldesk ${args.join(' ')} exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const match = /^MLDesk listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve({ child, url: match[1]!, startedAt, listeningMs: performance.now() - startedAt });
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One cold start: spawn → listening → the page loaded in a fresh context → the runs table ready. */
async function coldStart(browser: Browser, args: string[], experimentId: string): Promise<{ listeningMs: number; tableDrawnMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const started = await startCli(args);
  try {
    await page.goto(`${started.url}/#/experiments/${experimentId}`);
    await page.locator('[data-testid="runs-table"][data-state="ready"]').waitFor({ timeout: 60_000 });
    await page.locator('[role=row][data-run-id]').first().waitFor();
    return { listeningMs: started.listeningMs, tableDrawnMs: performance.now() - started.startedAt };
  } finally {
    await context.close();
    await stop(started.child);
  }
}

export async function benchBundleOpen(options: BundleOpenBenchOptions): Promise<BundleOpenBenchResult> {
  const runs = options.runs ?? 100;
  const metrics = options.metrics ?? 10;
  const steps = options.steps ?? 10_000;
  const artifactBytes = options.artifactBytes ?? 1024 * 1024;
  const repeats = options.repeats ?? 3;
  options.log(`building a bundle of ${runs} runs × ${metrics} metrics × ${steps} steps, ${artifactBytes} B of artifacts each…`);
  const buildStart = performance.now();
  const fixture = await buildBundleFixture(options.workDir, { runs, metrics, steps, artifactBytes, experimentName: 'bench-bundle' });
  // The bundle opened is the one `mldesk bundle export` writes (its layout and compression choices).
  const exported = join(options.workDir, 'exported.mldesk');
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'mldesk.js'), 'bundle', 'export', '--experiment', 'bench-bundle', '-o', exported, '--data-dir', fixture.sourceDataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bundle = { ...fixture, file: exported };
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const bundleBytes = statSync(bundle.file).size;
  options.log(`bundle: ${(bundleBytes / 1024 ** 2).toFixed(1)} MB in ${buildSeconds.toFixed(1)} s`);
  const home = join(options.workDir, 'reviewer-home');
  mkdirSync(home, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const measure = async (label: string, args: string[]) => {
      const samples: Array<{ listeningMs: number; tableDrawnMs: number }> = [];
      // One warm-up so every variant reads from the page cache alike.
      await coldStart(browser, args, bundle.experimentId);
      for (let i = 0; i < repeats; i++) {
        const sample = await coldStart(browser, args, bundle.experimentId);
        options.log(`${label}: listening ${sample.listeningMs.toFixed(0)} ms, runs table drawn ${sample.tableDrawnMs.toFixed(0)} ms`);
        samples.push(sample);
      }
      return { listening: summarize(samples.map((s) => s.listeningMs)), tableDrawn: summarize(samples.map((s) => s.tableDrawnMs)) };
    };
    const open = await measure('bundle open', ['bundle', 'open', bundle.file, '--port', '0', '--data-dir', home]);
    const openCheckedFirst = await measure('bundle open (check first)', ['bundle', 'open', bundle.file, '--port', '0', '--data-dir', home, '--check-artifacts', 'before-serving']);
    const serve = await measure('serve', ['serve', '--port', '0', '--data-dir', bundle.sourceDataDir]);
    return { runs, metrics, steps, artifactBytes, bundleBytes, buildSeconds, open, openCheckedFirst, serve };
  } finally {
    await browser.close();
  }
}

export function bundleOpenTargetChecks(result: BundleOpenBenchResult) {
  return [
    {
      id: 'bundle-open',
      description: `mldesk bundle open start → runs table drawn (${result.runs} runs × ${result.metrics} metrics × ${result.steps.toLocaleString('en-US')} steps, ${result.artifactBytes / 1024 ** 2} MB artifacts each)`,
      measured: result.open.tableDrawn.medianMs,
      target: `< ${BUNDLE_OPEN_TARGET_MS} ms`,
      met: result.open.tableDrawn.medianMs < BUNDLE_OPEN_TARGET_MS,
    },
  ];
}

export function formatBundleOpenTable(result: BundleOpenBenchResult): string {
  const ms = (s: LatencySummary) => `${s.medianMs.toFixed(0)} ms (min ${s.minMs.toFixed(0)}, max ${s.maxMs.toFixed(0)})`;
  return textTable([
    ['Start → …', 'listening', 'runs table drawn'],
    ['mldesk bundle open (artifacts checked in the background)', ms(result.open.listening), ms(result.open.tableDrawn)],
    ['mldesk bundle open --check-artifacts before-serving', ms(result.openCheckedFirst.listening), ms(result.openCheckedFirst.tableDrawn)],
    ['mldesk serve on the source data dir (baseline)', ms(result.serve.listening), ms(result.serve.tableDrawn)],
    ['target (issue 14)', '', `< ${BUNDLE_OPEN_TARGET_MS} ms: ${result.open.tableDrawn.medianMs < BUNDLE_OPEN_TARGET_MS ? 'MET' : 'MISSED'}`],
  ]);
}
