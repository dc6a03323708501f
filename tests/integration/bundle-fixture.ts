/**
 * Builds real experiment bundles for the bundle-open tests and bench, independently of the exporter:
 * a store made through the real TrackingStore API (experiment, runs with params, tags, metric
 * histories, artifacts through the artifact proxy's code path), `VACUUM INTO` as store.sqlite, its
 * artifacts under artifacts/, and report.html, written with writeSignedArchive as kind 'bundle'
 * with a BundleMeta: a valid bundle per the layout in shared/bundles.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { BUNDLE_ARTIFACTS_PREFIX, BUNDLE_REPORT_PATH, BUNDLE_STORE_PATH, type BundleMeta, type Signer } from '../../shared/bundles.js';
import { writeSignedArchive, type ArchiveSource } from '../../electron/core/bundles/archive-writer.js';
import { renderBundleReport } from '../../electron/core/bundles/bundle-report.js';
import { loadSigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';

export interface BundleFixtureOptions {
  runs?: number;
  metrics?: number;
  steps?: number;
  /** Size of the one artifact file (`model/weights.bin`) each run gets, besides a small `notes.txt`. */
  artifactBytes?: number;
  experimentName?: string;
  /** The author's data dir (signing key); a fresh one under `dir` when omitted. */
  authorDataDir?: string;
  signerName?: string;
  /** Changes the bundle's store before it is copied (e.g. an older schema version). */
  editStore?: (db: Database.Database) => void;
  /** Deflate entries (default true); off, an entry's bytes sit in the zip as they are (tampering tests). */
  compress?: boolean;
}

export interface FixtureRun {
  runId: string;
  name: string;
  params: Record<string, string>;
  /** The artifact files under the run's artifact root, by path inside it. */
  artifacts: Record<string, Buffer>;
}

export interface BuiltBundle {
  file: string;
  authorDataDir: string;
  /** The data dir the bundle was made from (its store is what store.sqlite copies). */
  sourceDataDir: string;
  experimentId: string;
  experimentName: string;
  runs: FixtureRun[];
  metricKeys: string[];
  meta: BundleMeta;
  signer: Signer;
}

const BATCH = 1000;

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

/** Logs the runs through TrackingStore and writes `<dir>/<name>.mldesk`. */
export async function buildBundleFixture(dir: string, options: BundleFixtureOptions = {}): Promise<BuiltBundle> {
  const runCount = options.runs ?? 3;
  const metricCount = options.metrics ?? 2;
  const steps = options.steps ?? 50;
  const artifactBytes = options.artifactBytes ?? 2048;
  const experimentName = options.experimentName ?? 'churn-model';
  const sourceDataDir = join(dir, 'source');
  const authorDataDir = options.authorDataDir ?? join(dir, 'author');
  mkdirSync(sourceDataDir, { recursive: true });
  const store = TrackingStore.open(sourceDataDir);
  const metricKeys = Array.from({ length: metricCount }, (_, i) => (i === 0 ? 'loss' : i === 1 ? 'accuracy' : `metric_${i}`));
  const runs: FixtureRun[] = [];
  let experimentId: string;
  try {
    experimentId = store.experiments.create(experimentName, undefined, [{ key: 'team', value: 'risk' }]);
    const start = Date.UTC(2026, 10, 2, 9, 0, 0);
    for (let r = 0; r < runCount; r++) {
      const name = `run-${String(r + 1).padStart(3, '0')}`;
      const startTime = start + r * 3_600_000;
      const run = store.createRun({ experimentId, runName: name, startTime, tags: [{ key: 'stage', value: r % 2 ? 'tuning' : 'baseline' }] });
      const runId = run.info.run_id;
      const params = { learning_rate: String(0.001 * (r + 1)), depth: String(3 + (r % 5)), optimizer: r % 2 ? 'adam' : 'sgd' };
      store.logBatch(runId, { metrics: [], params: Object.entries(params).map(([key, value]) => ({ key, value })), tags: [] });
      // One transaction per run: 10,000-step histories log in seconds, not minutes.
      store.db.transaction(() => {
        for (const [k, key] of metricKeys.entries()) {
          for (let from = 0; from < steps; from += BATCH) {
            const metrics = [];
            for (let step = from; step < Math.min(steps, from + BATCH); step++) {
              const t = step / Math.max(1, steps - 1);
              const value = key === 'accuracy' ? 0.5 + 0.45 * t * (1 - 0.1 * (r % 3)) : Math.exp(-3 * t) * (1 + 0.1 * r) + 0.01 * k + 0.02 * Math.sin(step / 7);
              metrics.push({ key, value, timestamp: startTime + step * 1000, step });
            }
            store.logBatch(runId, { metrics, params: [], tags: [] });
          }
        }
      })();
      const weights = randomBytes(artifactBytes);
      const notes = Buffer.from(`Notes of ${name}: trained with ${params.optimizer}.\n`);
      const artifactRoot = `${experimentId}/${runId}/artifacts`;
      await store.putRunArtifact(`${artifactRoot}/model/weights.bin`, Readable.from([weights]));
      await store.putRunArtifact(`${artifactRoot}/notes.txt`, Readable.from([notes]));
      store.updateRun(runId, { status: 'FINISHED', endTime: startTime + steps * 1000 });
      runs.push({ runId, name, params, artifacts: { 'model/weights.bin': weights, 'notes.txt': notes } });
    }
  } catch (error) {
    store.close();
    throw error;
  }
  const storeCopy = join(dir, `store-${process.pid}-${Date.now()}.sqlite`);
  store.db.prepare('VACUUM INTO ?').run(storeCopy);
  store.close();
  if (options.editStore) {
    const db = new Database(storeCopy);
    try {
      options.editStore(db);
    } finally {
      db.close();
    }
  }
  const artifactsRoot = join(sourceDataDir, 'artifacts');
  const artifactFiles = listFiles(artifactsRoot);
  const meta: BundleMeta = {
    experiments: [{ id: experimentId, name: experimentName }],
    runs: runs.map((run) => ({ runId: run.runId, name: run.name, experimentId })),
    modelVersions: [],
    withData: false,
    anonymized: false,
    counts: {
      runs: runs.length,
      metricPoints: runCount * metricCount * steps,
      artifacts: artifactFiles.length,
      artifactBytes: artifactFiles.reduce((sum, file) => sum + statSync(file).size, 0),
      datasets: 0,
    },
  };
  const identity = loadSigningIdentity(authorDataDir, options.signerName ?? 'ada@lab');
  const reportDb = new Database(storeCopy, { readonly: true });
  const report = renderBundleReport(reportDb, meta, { signer: identity.signer, createdTime: Date.now() });
  reportDb.close();
  const entries: ArchiveSource[] = [
    { path: BUNDLE_STORE_PATH, file: storeCopy },
    ...artifactFiles.map((file) => ({ path: BUNDLE_ARTIFACTS_PREFIX + relative(artifactsRoot, file).split(sep).join('/'), file })),
    { path: BUNDLE_REPORT_PATH, data: report },
  ];
  const file = join(dir, `${experimentName}-${createHash('sha256').update(storeCopy).digest('hex').slice(0, 6)}.mldesk`);
  await writeSignedArchive(file, { kind: 'bundle', meta, identity, appVersion: 'test', entries, compress: options.compress });
  return { file, authorDataDir, sourceDataDir, experimentId, experimentName, runs, metricKeys, meta, signer: identity.signer };
}
