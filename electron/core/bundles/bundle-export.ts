import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { BUNDLE_ARTIFACTS_PREFIX, BUNDLE_DATASETS_PREFIX, BUNDLE_REPORT_PATH, BUNDLE_STORE_PATH, type BundleMeta } from '../../../shared/bundles.js';
import type { BundleProgress } from '../../../shared/app-api/bundles.js';
import { invalidParameter } from '../errors.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { PROXY_SCHEME } from '../store/artifact-files.js';
import { Scrubber } from './anonymize.js';
import { writeSignedArchive, type ArchiveSource } from './archive-writer.js';
import { renderBundleReport } from './bundle-report.js';
import { loadSigningIdentity } from './signing-identity.js';
import { copyStoreSubset, createEmptyStore } from './store-subset.js';

export interface BundleExportOptions {
  /** Experiment names (at least one). */
  experiments: string[];
  /** Run ids, each in one of the experiments; none: every active run of them. */
  runIds?: string[];
  withData: boolean;
  anonymize: boolean;
  out: string;
  appVersion: string;
  onProgress?: (progress: BundleProgress) => void;
  /** How the caller names its inputs in errors (`--run` for the CLI, `runIds` for the app). */
  fields?: { experiments: string; runs: string; out: string };
}

export interface BundleExportResult {
  file: string;
  bytes: number;
  meta: BundleMeta;
}

interface SelectedRun {
  run_pk: number;
  run_uuid: string;
  name: string;
  experiment_id: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

const CLI_FIELDS = { experiments: '--experiment', runs: '--run', out: '-o' };

/** Checks the inputs against the store: each problem names the flag or field at fault. */
async function select(store: TrackingStore, options: BundleExportOptions) {
  const fields = options.fields ?? CLI_FIELDS;
  if (options.experiments.length === 0) throw invalidParameter(`Missing value for '${fields.experiments}': name at least one experiment.`);
  const experiments: { experiment_id: number; name: string }[] = [];
  for (const name of new Set(options.experiments)) {
    const row = store.db.prepare('SELECT experiment_id, name, lifecycle_stage FROM experiments WHERE name = ?').get(name) as { experiment_id: number; name: string; lifecycle_stage: string } | undefined;
    if (!row) throw invalidParameter(`Invalid value '${name}' for '${fields.experiments}': no experiment has that name.`);
    if (row.lifecycle_stage !== 'active') throw invalidParameter(`Invalid value '${name}' for '${fields.experiments}': the experiment is deleted; restore it first.`);
    experiments.push(row);
  }
  const ids = new Set(experiments.map((e) => e.experiment_id));
  const columns = 'run_pk, run_uuid, name, experiment_id, artifact_uri, lifecycle_stage';
  let runs: SelectedRun[];
  if (options.runIds && options.runIds.length > 0) {
    runs = [];
    const byId = store.db.prepare(`SELECT ${columns} FROM runs WHERE run_uuid = ?`);
    for (const runId of new Set(options.runIds)) {
      const row = byId.get(runId) as SelectedRun | undefined;
      if (!row) throw invalidParameter(`Invalid value '${runId}' for '${fields.runs}': no run has that id.`);
      if (!ids.has(row.experiment_id)) {
        const owner = store.db.prepare('SELECT name FROM experiments WHERE experiment_id = ?').pluck().get(row.experiment_id) as string;
        throw invalidParameter(`Invalid value '${runId}' for '${fields.runs}': the run belongs to experiment '${owner}', not to the ${fields.experiments} given.`);
      }
      runs.push(row);
    }
  } else {
    const ofExperiment = store.db.prepare(`SELECT ${columns} FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'active' ORDER BY start_time, run_pk`);
    runs = experiments.flatMap((e) => ofExperiment.all(e.experiment_id) as SelectedRun[]);
  }
  const outDir = dirname(options.out);
  const dirStat = await stat(outDir).catch(() => null);
  if (!dirStat?.isDirectory()) throw invalidParameter(`Invalid value '${options.out}' for '${fields.out}': the folder ${outDir} does not exist.`);
  const outStat = await stat(options.out).catch(() => null);
  if (outStat?.isDirectory()) throw invalidParameter(`Invalid value '${options.out}' for '${fields.out}': it is a folder; name the bundle file to write.`);
  return { experiments, runs };
}

interface FileEntry {
  path: string;
  file: string;
  size: number;
  /** For the artifacts index of an anonymised bundle whose text files change. */
  run?: { pk: number; pathInRun: string };
}

/** Regular files under `dir`, depth first in name order; symbolic links are left out (they could point anywhere). */
async function walk(dir: string, prefix: string, out: { rel: string; file: string; size: number }[]): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const file = join(dir, name);
    const info = await lstat(file);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (info.isDirectory()) await walk(file, rel, out);
    else if (info.isFile()) out.push({ rel, file, size: info.size });
  }
}

/**
 * Deflate helps text and tables, not already-compressed or random bytes: a 64 KB sample decides.
 * A file that would shrink more than 100× (zeros, a constant tensor) is stored as it is too: readers
 * refuse entries over 1 MiB that expand more than 200× as likely zip bombs (archive-reader.ts).
 */
async function worthCompressing(file: string, size: number): Promise<boolean> {
  if (size < 4096) return true;
  const handle = await open(file, 'r');
  try {
    const sample = Buffer.alloc(Math.min(size, 65536));
    await handle.read(sample, 0, sample.length, 0);
    const deflated = deflateRawSync(sample, { level: 1 }).length;
    return deflated < sample.length * 0.9 && (size <= 1024 ** 2 || deflated * 100 > sample.length);
  } finally {
    await handle.close();
  }
}

/**
 * Writes an experiment bundle (layout: shared/bundles.ts): the store subset, the runs' artifact
 * files, the dataset files with `withData`, report.html, signed with the data dir's key. The
 * archive is written beside `out` and renamed into place; a failure leaves nothing behind.
 */
export async function exportBundle(store: TrackingStore, options: BundleExportOptions): Promise<BundleExportResult> {
  const progress = (p: BundleProgress) => options.onProgress?.(p);
  const { experiments, runs } = await select(store, options);
  progress({ phase: 'store', doneBytes: 0, totalBytes: 0, message: `copying ${runs.length} runs from the store` });
  // Points still queued by a tracking server belong in the histories.
  store.runData.queue.fold();
  const work = await mkdtemp(join(dirname(options.out), '.mldesk-export-'));
  try {
    const storeFile = join(work, BUNDLE_STORE_PATH);
    createEmptyStore(storeFile);

    let user: string | null = null;
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (a container): nothing to replace.
    }
    const scrubber = new Scrubber({ dataDir: store.dataDir, artifactsRoot: store.artifacts.root, homeDir: homedir(), userName: user, hostName: hostname(), anonymize: options.anonymize });
    copyStoreSubset(store.db, storeFile, { experimentIds: experiments.map((e) => e.experiment_id), runPks: runs.map((r) => r.run_pk) }, scrubber);
    const bundleDb = new Database(storeFile);
    try {
      bundleDb.pragma('journal_mode = OFF');
      bundleDb.pragma('synchronous = OFF');
      const files: FileEntry[] = [];
      const setUri = bundleDb.prepare('UPDATE runs SET artifact_uri = ? WHERE run_pk = ?');
      const versions = bundleDb.prepare('SELECT version_pk, source FROM model_versions WHERE run_id = ?');
      const setSource = bundleDb.prepare('UPDATE model_versions SET source = ? WHERE version_pk = ?');
      for (const run of runs) {
        const dir = store.artifacts.localDirOf(run.artifact_uri);
        if (dir === null) continue;
        // Artifact files travel as `artifacts/<experiment>/<run>/artifacts/…` whatever URI the run had.
        const relative = `${run.experiment_id}/${run.run_uuid}/artifacts`;
        const uri = `${PROXY_SCHEME}/${relative}`;
        if (uri !== run.artifact_uri) {
          setUri.run(uri, run.run_pk);
          for (const v of versions.all(run.run_uuid) as { version_pk: number; source: string }[]) {
            if (v.source === run.artifact_uri || v.source.startsWith(`${run.artifact_uri}/`)) setSource.run(uri + v.source.slice(run.artifact_uri.length), v.version_pk);
          }
        }
        const found: { rel: string; file: string; size: number }[] = [];
        await walk(dir, '', found);
        for (const f of found) files.push({ path: `${BUNDLE_ARTIFACTS_PREFIX}${relative}/${f.rel}`, file: f.file, size: f.size, run: { pk: run.run_pk, pathInRun: f.rel } });
      }
      bundleDb.exec(`UPDATE experiments SET artifact_location = '${PROXY_SCHEME}/' || experiment_id`);
      if (options.withData) {
        const hashes = bundleDb.prepare('SELECT DISTINCT sha256 FROM dataset_versions ORDER BY sha256').pluck().all() as string[];
        for (const sha of hashes) {
          const file = join(store.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2));
          const info = await stat(file).catch(() => null);
          if (!info) throw invalidParameter(`The bytes of dataset version ${sha} are missing from the data dir (${basename(file)}); export without --with-data or re-import the dataset.`);
          files.push({ path: `${BUNDLE_DATASETS_PREFIX}sha256/${sha.slice(0, 2)}/${sha.slice(2)}`, file, size: info.size });
        }
      }

      const artifactFiles = files.filter((f) => f.run);
      const meta = bundleMeta(bundleDb, options, { artifacts: artifactFiles.length, artifactBytes: artifactFiles.reduce((sum, f) => sum + f.size, 0) });
      const storeSize = (await stat(storeFile)).size;
      const totalBytes = files.reduce((sum, f) => sum + f.size, 0) + storeSize;
      const fixArtifact = bundleDb.prepare('UPDATE artifacts SET file_size = ?, sha256 = ? WHERE run_pk = ? AND path = ?');
      async function* entries(): AsyncGenerator<ArchiveSource> {
        for (const f of files) {
          if (scrubber.anonymize && f.size <= 16 * 1024 * 1024) {
            const scrubbed = scrubber.buffer(await readFile(f.file));
            if (scrubbed) {
              if (f.run) fixArtifact.run(scrubbed.length, createHash('sha256').update(scrubbed).digest('hex'), f.run.pk, f.run.pathInRun);
              yield { path: f.path, data: scrubbed };
              continue;
            }
          }
          yield { path: f.path, file: f.file, compress: await worthCompressing(f.file, f.size) };
        }
        // Last: an anonymised text artifact above may have changed its row in the artifacts index.
        bundleDb.close();
        // Stored, not deflated: opening a bundle then copies and hashes the store at disk speed
        // (inflating a few hundred MB was most of `bundle open`'s time), and export skips deflating it.
        yield { path: BUNDLE_STORE_PATH, file: storeFile, compress: false };
        progress({ phase: 'report', doneBytes: totalBytes, totalBytes, message: 'writing report.html' });
        const readOnly = new Database(storeFile, { readonly: true });
        try {
          yield { path: BUNDLE_REPORT_PATH, data: renderBundleReport(readOnly, meta, { signer: identity.signer, createdTime: Date.now() }) };
        } finally {
          readOnly.close();
        }
      }
      const identity = loadSigningIdentity(store.dataDir, ...(options.anonymize ? ['anonymous'] : []));
      progress({ phase: 'files', doneBytes: 0, totalBytes, message: `writing ${files.length} files` });
      await writeSignedArchive(options.out, {
        kind: 'bundle',
        meta,
        identity,
        appVersion: options.appVersion,
        entries: entries(),
        onProgress: ({ bytes, path }) => progress({ phase: 'files', doneBytes: Math.min(bytes, totalBytes), totalBytes, message: path }),
      });
      const size = (await stat(options.out)).size;
      progress({ phase: 'done', doneBytes: totalBytes, totalBytes, message: `wrote ${options.out}` });
      return { file: options.out, bytes: size, meta };
    } finally {
      if (bundleDb.open) bundleDb.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function bundleMeta(db: Database.Database, options: BundleExportOptions, files: { artifacts: number; artifactBytes: number }): BundleMeta {
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    experiments: (db.prepare('SELECT experiment_id, name FROM experiments ORDER BY experiment_id').all() as { experiment_id: number; name: string }[]).map((e) => ({ id: String(e.experiment_id), name: e.name })),
    runs: (db.prepare('SELECT run_uuid, name, experiment_id FROM runs ORDER BY start_time, run_pk').all() as { run_uuid: string; name: string; experiment_id: number }[]).map((r) => ({ runId: r.run_uuid, name: r.name, experimentId: String(r.experiment_id) })),
    modelVersions: (db.prepare('SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id ORDER BY m.name, v.version').all() as { name: string; version: number }[]).map((v) => ({ name: v.name, version: String(v.version) })),
    withData: options.withData,
    anonymized: options.anonymize,
    counts: {
      runs: count('SELECT count(*) FROM runs'),
      metricPoints: count('SELECT count(*) FROM metrics'),
      ...files,
      datasets: count('SELECT count(*) FROM dataset_versions'),
    },
  };
}
