/**
 * Experiment bundles: `mldesk bundle export` and `mldesk bundle import` (CLI child processes, end to
 * end) on 100 runs × 10 metrics × 10,000 steps with 1 MB of incompressible artifacts per run, beside
 * `zip -r` of the same data dir in the same run. Target: export no slower than 2× `zip -r`.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrackingStoreModule } from './project-modules.js';
import { textTable } from './stats.js';
import type { TargetCheck } from './report.js';

const CLI = fileURLToPath(new URL('../bin/mldesk.js', import.meta.url));
export const BUNDLE_TARGETS = { exportVsZip: 2 } as const;

export interface BundleBenchResult {
  runs: number;
  metricsPerRun: number;
  steps: number;
  artifactBytesPerRun: number;
  dataDirBytes: number;
  exportSeconds: number;
  bundleBytes: number;
  importSeconds: number;
  zip: { seconds: number; bytes: number } | { skipped: string };
  /** export ÷ zip -r wall time. */
  ratio: number | null;
}

function run(command: string, args: string[], cwd?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 ** 2 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve((performance.now() - started) / 1000);
    });
  });
}

function duSize(dir: string): Promise<number> {
  return new Promise((resolve) => execFile('du', ['-sb', dir], (error, stdout) => resolve(error ? 0 : Number(stdout.split('\t')[0]))));
}

/** The author's data dir, written straight into the store (the same rows the tracking server writes). */
async function buildDataDir(dataDir: string, runs: number, metrics: number, steps: number, artifactBytes: number, log: (line: string) => void): Promise<void> {
  const { TrackingStore } = await loadTrackingStoreModule();
  const store = TrackingStore.open(dataDir);
  try {
    const experimentId = store.experiments.create('bench-bundle', undefined, []);
    const insert = store.db.prepare('INSERT INTO metrics (run_pk, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
    const started = performance.now();
    for (let r = 0; r < runs; r++) {
      const created = store.createRun({ experimentId, runName: `run-${r}`, startTime: 1_700_000_000_000 + r, tags: [] });
      const runId = created.info.run_id;
      const pk = store.runs.row(runId).run_pk;
      store.logBatch(runId, { metrics: [], params: Array.from({ length: 10 }, (_, i) => ({ key: `p${i}`, value: String(i * r) })), tags: [{ key: 'team', value: 'bench' }] });
      store.db.transaction(() => {
        for (let m = 0; m < metrics; m++) {
          for (let s = 0; s < steps; s++) insert.run(pk, `metric_${m}`, s, 1_700_000_000_000 + s * 10, Math.sin(s / 100 + m) + r / runs);
        }
      })();
      const bytes = randomBytes(artifactBytes);
      const dir = join(store.artifacts.root, experimentId, runId, 'artifacts', 'model');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'weights.bin'), bytes);
      store.db.prepare('INSERT INTO artifacts (run_pk, path, file_size, sha256, created_time) VALUES (?, ?, ?, ?, ?)').run(pk, 'model/weights.bin', bytes.length, createHash('sha256').update(bytes).digest('hex'), Date.now());
      if (r % 20 === 19) log(`bundle bench: ${r + 1}/${runs} runs written (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    // The summaries the tracking server keeps beside the points (migration 2's SQL; latest by step).
    store.db.exec(`INSERT INTO metric_blocks
        SELECT run_pk, key, level, step >> level, count(*), sum(value), min(value), max(value), min(step), max(step), min(timestamp), max(timestamp)
        FROM metrics, (SELECT 5 AS level UNION ALL SELECT 8 UNION ALL SELECT 11) GROUP BY run_pk, key, level, step >> level;
      INSERT INTO latest_metrics (run_pk, key, value, is_nan, step, timestamp)
        SELECT run_pk, key, value, is_nan, max(step), timestamp FROM metrics GROUP BY run_pk, key;`);
  } finally {
    store.close();
  }
}

export async function benchBundle(options: { workDir: string; log: (line: string) => void; runs?: number; metrics?: number; steps?: number; artifactBytes?: number }): Promise<BundleBenchResult> {
  const { workDir, log } = options;
  const runs = options.runs ?? 100;
  const metrics = options.metrics ?? 10;
  const steps = options.steps ?? 10_000;
  const artifactBytes = options.artifactBytes ?? 1024 ** 2;
  const author = join(workDir, 'bundle-author');
  log(`bundle bench: writing ${runs} runs × ${metrics} metrics × ${steps} steps with ${artifactBytes} bytes of artifacts each`);
  await buildDataDir(author, runs, metrics, steps, artifactBytes, log);
  const dataDirBytes = await duSize(author);

  let zip: BundleBenchResult['zip'];
  const zipFile = join(workDir, 'author.zip');
  try {
    const seconds = await run('zip', ['-r', '-q', zipFile, 'bundle-author'], workDir);
    zip = { seconds, bytes: statSync(zipFile).size };
    log(`bundle bench: zip -r ${seconds.toFixed(2)} s, ${(zip.bytes / 1024 ** 2).toFixed(1)} MB`);
  } catch (error) {
    zip = { skipped: `zip is not installed or failed (${(error as Error).message.split('\n')[0]})` };
  }

  const bundle = join(workDir, 'bench.mldesk');
  const exportSeconds = await run(process.execPath, [CLI, 'bundle', 'export', '--experiment', 'bench-bundle', '-o', bundle, '--data-dir', author]);
  const bundleBytes = statSync(bundle).size;
  log(`bundle bench: export ${exportSeconds.toFixed(2)} s, ${(bundleBytes / 1024 ** 2).toFixed(1)} MB`);
  const importSeconds = await run(process.execPath, [CLI, 'bundle', 'import', bundle, '--data-dir', join(workDir, 'bundle-reader')]);
  log(`bundle bench: import ${importSeconds.toFixed(2)} s`);
  const ratio = 'seconds' in zip ? exportSeconds / zip.seconds : null;
  return { runs, metricsPerRun: metrics, steps, artifactBytesPerRun: artifactBytes, dataDirBytes, exportSeconds, bundleBytes, importSeconds, zip, ratio };
}

export function bundleTargetChecks(result: BundleBenchResult): TargetCheck[] {
  if (result.ratio === null) return [];
  return [
    {
      id: 'bundle-export-vs-zip',
      description: `mldesk bundle export vs zip -r of the data dir (${result.runs} runs × ${result.metricsPerRun} metrics × ${result.steps.toLocaleString('en-US')} steps, ${(result.artifactBytesPerRun / 1024 ** 2).toFixed(0)} MB artifacts each)`,
      measured: result.ratio,
      target: `<= ${BUNDLE_TARGETS.exportVsZip}× zip -r`,
      met: result.ratio <= BUNDLE_TARGETS.exportVsZip,
    },
  ];
}

export function formatBundleTable(result: BundleBenchResult, checks: TargetCheck[]): string {
  const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  const s = (seconds: number) => `${seconds.toFixed(2)} s`;
  const zip = 'seconds' in result.zip ? result.zip : null;
  const check = checks.find((c) => c.id === 'bundle-export-vs-zip');
  return textTable([
    ['experiment bundle', 'mldesk', 'zip -r', 'ratio', 'target'],
    [`export (data dir ${mb(result.dataDirBytes)})`, s(result.exportSeconds), zip ? s(zip.seconds) : `skipped: ${(result.zip as { skipped: string }).skipped}`, result.ratio === null ? '-' : `${result.ratio.toFixed(2)}×`, check ? `${check.target} ${check.met ? 'met' : 'MISSED'}` : '-'],
    ['file size', mb(result.bundleBytes), zip ? mb(zip.bytes) : '-', zip ? `${(result.bundleBytes / zip.bytes).toFixed(2)}×` : '-', '-'],
    ['import into an empty store', s(result.importSeconds), '-', '-', '-'],
  ]);
}
