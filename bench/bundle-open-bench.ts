import { chromium, type Browser } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildBundleFixture } from '../tests/fixtures/bundles.js';
import { PROJECT_ROOT } from './server-process.js';
import { summarize, textTable, type LatencySummary } from './stats.js';

/** Issue 14: opening a bundle read-only, from `mldesk bundle open` starting (or the running app asked to open it) to the runs table drawn. */
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
  /** `mldesk bundle open` (artifacts checked in the background), from spawning it. */
  open: ColdStartFigures;
  /** `mldesk bundle open --check-artifacts before-serving`: every entry hashed before serving. */
  openCheckedFirst: ColdStartFigures;
  /** `mldesk serve` on the data dir the bundle was made from, the same way. */
  serve: ColdStartFigures;
  /**
   * The desktop app's File → Open: in a process already running as the app's main process does
   * (bench/in-app-opener.mjs), from asking it to open the bundle, shown in a window made ahead (the
   * app's spare bundle window); `listeningCpu` is the CPU the app used from the asking.
   */
  inApp: ColdStartFigures;
  /** 1-minute load average before and after the measuring (the machine's 2 cores are shared): figures taken above ~3 are inflated. */
  loadAverage: { before: number; after: number };
}

/** Each from spawning the CLI: its listening line, the UI page loaded, the first runs.page answer in the page, the runs table drawn. */
export interface ColdStartFigures {
  listening: LatencySummary;
  pageLoaded: LatencySummary;
  firstRunsAnswer: LatencySummary;
  tableDrawn: LatencySummary;
  /** CPU time the CLI process used up to its listening line (all threads): the load-independent cost of starting. */
  listeningCpu: LatencySummary;
}

type ColdStartSample = { [K in keyof ColdStartFigures]: number };

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * CPU time (user + system, all threads) the process has used so far, in ms, from /proc (Linux; NaN
 * elsewhere): unlike wall time it hardly moves with the load other users put on the machine.
 * Fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
 */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

interface Started {
  url: string;
  startedAt: number;
  listeningMs: number;
  listeningCpuMs: number;
  stop(): Promise<void>;
}

/** Starts the CLI and resolves with its URL and the ms from spawn to its listening line. */
async function startCli(args: string[]): Promise<Started> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'mldesk.js'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [, url] = await lineReader(child, `mldesk ${args.join(' ')}`).next(/^MLDesk listening on (http:\/\/\S+)/);
  return { url: url!, startedAt, listeningMs: performance.now() - startedAt, listeningCpuMs: cpuMs(child.pid), stop: () => stop(child) };
}

/** Lines a child writes on stdout, one at a time: `next(pattern)` resolves with the first later line that matches. */
function lineReader(child: ChildProcess, what: string) {
  const waiting: Array<{ pattern: RegExp; resolve(match: RegExpExecArray): void; reject(error: Error): void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    for (const [index, waiter] of waiting.entries()) {
      const match = waiter.pattern.exec(line);
      if (!match) continue;
      waiting.splice(index, 1);
      return waiter.resolve(match);
    }
  });
  child.once('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${what} exited with ${code}`));
  });
  return { next: (pattern: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => waiting.push({ pattern, resolve, reject })) };
}

/**
 * A fresh app process (bench/in-app-opener.mjs: started as the desktop app's main process starts),
 * given a second to settle as a user's app would have, then asked to open the bundle. Resolves once
 * the port listens, when the app's bundle window starts loading the page (bundle-windows.ts).
 */
async function startInApp(file: string, homeDataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bench', 'in-app-opener.mjs'), homeDataDir], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = lineReader(child, 'bench/in-app-opener.mjs');
  const stopApp = async () => {
    child.stdin!.end();
    await stop(child);
  };
  try {
    await lines.next(/^ready$/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cpuBefore = cpuMs(child.pid);
    const startedAt = performance.now();
    const listening = lines.next(/^listening (http:\/\/\S+)/);
    const failed = lines.next(/^failed (.*)/).then((match) => Promise.reject(new Error(`the app could not open ${file}: ${match[1]}`)));
    failed.catch(() => undefined);
    child.stdin!.write(`open ${file}\n`);
    const match = await Promise.race([listening, failed]);
    return {
      url: match[1]!,
      startedAt,
      listeningMs: performance.now() - startedAt,
      listeningCpuMs: cpuMs(child.pid) - cpuBefore,
      stop: async () => {
        const closed = lines.next(/^closed$/);
        child.stdin!.write('close\n');
        await closed;
        await stopApp();
      },
    };
  } catch (error) {
    await stopApp();
    throw error;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

type Start = () => Promise<Started>;

/**
 * One opening: start → listening → the page loaded in a fresh browser context (made before the
 * clock starts: the user's browser is open, and so is the app's spare bundle window, bundle-windows.ts)
 * → the first runs.page answer → the runs table ready.
 */
async function coldStart(browser: Browser, start: Start, experimentId: string): Promise<ColdStartSample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  let started: Started | undefined;
  try {
    const page = await context.newPage();
    started = await start();
    const since = () => performance.now() - started!.startedAt;
    let firstRunsAnswer = Number.NaN;
    const runsAnswered = page
      .waitForResponse((response) => response.url().endsWith('/app-api/runs.page') && response.ok(), { timeout: 60_000 })
      .then(async (response) => {
        await response.finished();
        firstRunsAnswer = since();
      });
    await page.goto(`${started.url}/#/experiments/${experimentId}`);
    const pageLoaded = since();
    await page.locator('[data-testid="runs-table"][data-state="ready"]').waitFor({ timeout: 60_000 });
    await page.locator('[role=row][data-run-id]').first().waitFor();
    const tableDrawn = since();
    await runsAnswered;
    return { listening: started.listeningMs, pageLoaded, firstRunsAnswer, tableDrawn, listeningCpu: started.listeningCpuMs };
  } finally {
    await context.close();
    await started?.stop();
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
    const cli = (args: string[]): Start => () => startCli(args);
    const variants = {
      open: cli(['bundle', 'open', bundle.file, '--port', '0', '--data-dir', home]),
      openCheckedFirst: cli(['bundle', 'open', bundle.file, '--port', '0', '--data-dir', home, '--check-artifacts', 'before-serving']),
      serve: cli(['serve', '--port', '0', '--data-dir', bundle.sourceDataDir]),
      inApp: () => startInApp(bundle.file, home),
    };
    const samples = { open: [] as ColdStartSample[], openCheckedFirst: [] as ColdStartSample[], serve: [] as ColdStartSample[], inApp: [] as ColdStartSample[] };
    const before = loadavg()[0]!;
    // One warm-up each so every variant reads from the page cache alike; then the variants take turns,
    // so a burst of load from the machine's other users falls on all of them rather than on one.
    for (const start of Object.values(variants)) await coldStart(browser, start, bundle.experimentId);
    for (let i = 0; i < repeats; i++) {
      for (const [name, start] of Object.entries(variants) as Array<[keyof typeof variants, Start]>) {
        const sample = await coldStart(browser, start, bundle.experimentId);
        options.log(
          `${name}: listening ${sample.listening.toFixed(0)} ms, page loaded ${sample.pageLoaded.toFixed(0)} ms, first runs answer ${sample.firstRunsAnswer.toFixed(0)} ms, runs table drawn ${sample.tableDrawn.toFixed(0)} ms, CPU to listening ${sample.listeningCpu.toFixed(0)} ms (load ${loadavg()[0]!.toFixed(1)})`,
        );
        samples[name].push(sample);
      }
    }
    const figures = (list: ColdStartSample[]): ColdStartFigures => ({
      listening: summarize(list.map((s) => s.listening)),
      pageLoaded: summarize(list.map((s) => s.pageLoaded)),
      firstRunsAnswer: summarize(list.map((s) => s.firstRunsAnswer)),
      tableDrawn: summarize(list.map((s) => s.tableDrawn)),
      listeningCpu: summarize(list.map((s) => s.listeningCpu)),
    });
    const loadAverage = { before, after: loadavg()[0]! };
    return { runs, metrics, steps, artifactBytes, bundleBytes, buildSeconds, open: figures(samples.open), openCheckedFirst: figures(samples.openCheckedFirst), serve: figures(samples.serve), inApp: figures(samples.inApp), loadAverage };
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
    {
      id: 'bundle-open-app',
      description: `the running app opens the same bundle (File → Open) → runs table drawn in its new window`,
      measured: result.inApp.tableDrawn.medianMs,
      target: `< ${BUNDLE_OPEN_TARGET_MS} ms`,
      met: result.inApp.tableDrawn.medianMs < BUNDLE_OPEN_TARGET_MS,
    },
  ];
}

const PHASES = ['listening', 'pageLoaded', 'firstRunsAnswer', 'tableDrawn', 'listeningCpu'] as const;

export function formatBundleOpenTable(result: BundleOpenBenchResult): string {
  const ms = (s: LatencySummary) => `${s.medianMs.toFixed(0)} ms (min ${s.minMs.toFixed(0)}, max ${s.maxMs.toFixed(0)})`;
  // Beside `mldesk serve` on the same data in the same run: a ratio holds up better than a figure on a shared machine.
  const ratio = (figures: ColdStartFigures) => PHASES.map((phase) => `×${(figures[phase].medianMs / result.serve[phase].medianMs).toFixed(2)} serve`);
  return textTable([
    ['Start → …', 'listening', 'UI page loaded', 'first runs.page answer', 'runs table drawn', 'CPU used to listening'],
    ['mldesk bundle open (artifacts checked in the background)', ...PHASES.map((phase) => ms(result.open[phase]))],
    ['  ratio to mldesk serve', ...ratio(result.open)],
    ['mldesk bundle open --check-artifacts before-serving', ...PHASES.map((phase) => ms(result.openCheckedFirst[phase]))],
    ['  ratio to mldesk serve', ...ratio(result.openCheckedFirst)],
    ['mldesk serve on the source data dir (baseline)', ...PHASES.map((phase) => ms(result.serve[phase]))],
    ['target (issue 14): mldesk bundle open', '', '', '', `< ${BUNDLE_OPEN_TARGET_MS} ms: ${result.open.tableDrawn.medianMs < BUNDLE_OPEN_TARGET_MS ? 'MET' : 'MISSED'}`, ''],
    ['File → Open in the running app → …', 'listening', 'UI page loaded', 'first runs.page answer', 'runs table drawn', 'CPU used to listening'],
    ['the running app opens it (File → Open, double-click)', ...PHASES.map((phase) => ms(result.inApp[phase]))],
    ['  ratio to mldesk serve (a cold start: the app has started)', ...ratio(result.inApp)],
    ['target (issue 14): the app', '', '', '', `< ${BUNDLE_OPEN_TARGET_MS} ms: ${result.inApp.tableDrawn.medianMs < BUNDLE_OPEN_TARGET_MS ? 'MET' : 'MISSED'}`, ''],
    [`1-min load average (2 cores shared): ${result.loadAverage.before.toFixed(1)} before, ${result.loadAverage.after.toFixed(1)} after`, '', '', '', '', ''],
  ]);
}
