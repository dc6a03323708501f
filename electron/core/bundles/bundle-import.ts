import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LINEAGE_ARTIFACT } from '../../../shared/lineage.js';
import type { SqliteDatabase } from '../store/database.js';
import { BUNDLE_ARTIFACTS_PREFIX, BUNDLE_DATASETS_PREFIX, BUNDLE_STORE_PATH, type Manifest } from '../../../shared/bundles.js';
import { invalidParameter } from '../errors.js';
import { migrate } from '../store/database.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { ArchiveError, openSignedArchive } from './archive-reader.js';
import { mergeBundleStore, type MergeReport } from './bundle-merge.js';
import { canonicalJson } from './canonical-json.js';

export interface BundleImportResult extends Omit<MergeReport, 'artifactMoves'> {
  file: string;
  manifestSha256: string;
  signer: { name: string; fingerprint: string };
  /** The same bundle was imported before (by its manifest's hash): nothing changed. */
  alreadyImported: boolean;
  importedTime: number;
  artifacts: { files: number; bytes: number };
}

/** SHA-256 of the manifest as signed (it is written as canonical JSON, so this is its file's hash). */
export function manifestSha256(manifest: Manifest): string {
  return createHash('sha256').update(canonicalJson(manifest)).digest('hex');
}

/**
 * `mldesk bundle import`: checks the bundle (signature, then every entry's hash as it is read),
 * stages its artifact and dataset files beside their final place, then merges the store in one
 * transaction (bundle-merge.ts) whose last step renames the staged folders into place. A failure
 * at any point rolls the transaction back and removes what was staged: the store is as it was.
 */
export async function importBundle(store: TrackingStore, file: string): Promise<BundleImportResult> {
  const reader = await openSignedArchive(file, { kind: 'bundle' });
  const stage = { dir: '' };
  try {
    const { manifest } = reader;
    const sha = manifestSha256(manifest);
    const previous = earlierImport(store.db, sha);
    if (previous) return previous;
    if (!reader.has(BUNDLE_STORE_PATH)) throw new ArchiveError(BUNDLE_STORE_PATH, 'is missing: this bundle holds no store');
    if (manifest.schemaVersion > SCHEMA_VERSION) {
      throw invalidParameter(`The bundle was written by a newer MLDesk (schema version ${manifest.schemaVersion}; this one understands up to ${SCHEMA_VERSION}): upgrade MLDesk to import it.`);
    }
    const artifactsRoot = store.artifacts.root;
    await mkdir(artifactsRoot, { recursive: true });
    // Beside the artifacts, so staged folders move into place by rename on the same file system.
    stage.dir = await mkdtemp(join(artifactsRoot, '.import-'));
    await reader.extract(stage.dir, (e) => e.path === BUNDLE_STORE_PATH);
    const bundleFile = join(stage.dir, BUNDLE_STORE_PATH);
    const bundleDb = new Database(bundleFile);
    try {
      const version = bundleDb.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw invalidParameter(`The bundle's store is at schema version ${version}; this MLDesk understands up to ${SCHEMA_VERSION}: upgrade MLDesk to import it.`);
      // An older bundle is brought up to date in its staged copy, never in the file.
      migrate(bundleDb, BUNDLE_STORE_PATH);
    } finally {
      bundleDb.close();
    }
    // Every other entry is checked (hashes) before the store is touched; the runs' files are staged.
    await reader.extract(stage.dir, (e) => e.path.startsWith(BUNDLE_ARTIFACTS_PREFIX) || e.path.startsWith(BUNDLE_DATASETS_PREFIX));
    for (const entry of manifest.entries) {
      if (entry.path !== BUNDLE_STORE_PATH && !entry.path.startsWith(BUNDLE_ARTIFACTS_PREFIX) && !entry.path.startsWith(BUNDLE_DATASETS_PREFIX)) await reader.read(entry.path);
    }

    const db = store.db;
    const importedTime = Date.now();
    db.prepare('ATTACH DATABASE ? AS b').run(bundleFile);
    const moved: { from: string; to: string }[] = [];
    let result: BundleImportResult;
    try {
      result = db.transaction(() => {
        // Checked again under the write lock: another import of this bundle (another process) may have
        // committed while this one was checking and staging; then this one changes nothing.
        const imported = earlierImport(db, sha);
        if (imported) return imported;
        const report = mergeBundleStore(db);
        const { artifactMoves, ...rest } = report;
        const summary: BundleImportResult = {
          ...rest,
          file,
          manifestSha256: sha,
          signer: { name: manifest.signer.name, fingerprint: manifest.signer.fingerprint },
          alreadyImported: false,
          importedTime,
          artifacts: { files: 0, bytes: 0 },
        };
        const importedRuns = new Set(artifactMoves.map((m) => m.from.split('/')[1]));
        for (const entry of manifest.entries) {
          if (!entry.path.startsWith(BUNDLE_ARTIFACTS_PREFIX)) continue;
          if (!importedRuns.has(entry.path.split('/')[2])) continue;
          summary.artifacts.files += 1;
          summary.artifacts.bytes += entry.size;
        }
        db.prepare('INSERT INTO archive_imports (kind, manifest_sha256, signer_fingerprint, signer_name, summary_json, imported_time) VALUES (?, ?, ?, ?, ?, ?)').run(
          'bundle',
          sha,
          manifest.signer.fingerprint,
          manifest.signer.name,
          JSON.stringify(summary),
          importedTime,
        );
        relinkLineageFiles(db, stage.dir, report);
        // Last, still inside the transaction: a failed rename rolls the database back too.
        try {
          for (const move of artifactMoves) {
            const from = join(stage.dir, 'artifacts', ...move.from.split('/'));
            if (!existsSync(from)) continue;
            const to = join(artifactsRoot, ...move.to.split('/'));
            if (existsSync(to)) throw invalidParameter(`The artifact folder ${move.to} already exists in this data dir although its run is not in the store; move it away and import again.`);
            mkdirSync(dirname(to), { recursive: true });
            renameSync(from, to);
            moved.push({ from, to });
          }
          const blobs = join(stage.dir, 'datasets', 'sha256');
          if (existsSync(blobs)) moveBlobs(blobs, join(store.dataDir, 'blobs', 'sha256'), moved);
        } catch (error) {
          for (const m of moved.reverse()) renameSync(m.to, m.from);
          throw error;
        }
        return summary;
      }).immediate();
    } finally {
      db.exec('DETACH DATABASE b');
    }
    if (!result.alreadyImported) store.events.emit('experiments.changed', {});
    return result;
  } finally {
    reader.close();
    if (stage.dir) await rm(stage.dir, { recursive: true, force: true });
  }
}

/** The report of the earlier import of the bundle whose manifest hashes to `sha`, marked as such; null if there was none. */
function earlierImport(db: SqliteDatabase, sha: string): BundleImportResult | null {
  const previous = db.prepare('SELECT summary_json FROM archive_imports WHERE manifest_sha256 = ?').get(sha) as { summary_json: string } | undefined;
  return previous ? { ...(JSON.parse(previous.summary_json) as BundleImportResult), alreadyImported: true } : null;
}

/** Dataset bytes are content-addressed: a blob already here is the same bytes and stays. */
function moveBlobs(from: string, to: string, moved: { from: string; to: string }[]): void {
  for (const prefix of readdirSync(from)) {
    for (const rest of readdirSync(join(from, prefix))) {
      const target = join(to, prefix, rest);
      if (existsSync(target)) continue;
      mkdirSync(join(to, prefix), { recursive: true });
      renameSync(join(from, prefix, rest), target);
      moved.push({ from: join(from, prefix, rest), to: target });
    }
  }
}

/**
 * A run's lineage.json names the dataset version it trained on; when that version has another
 * number here, the staged file is rewritten to name this store's (and its index row follows), so
 * the run page does not show another dataset's content under the old number.
 */
function relinkLineageFiles(db: SqliteDatabase, stageDir: string, report: MergeReport): void {
  const renamed = new Map(report.datasetVersions.filter((d) => d.ref !== d.importedAs).map((d) => [d.ref, d.importedAs]));
  if (renamed.size === 0) return;
  const versionId = db.prepare('SELECT v.version_id FROM main.dataset_versions v JOIN main.named_datasets n ON n.dataset_id = v.dataset_id WHERE n.name = ? AND v.version = ?').pluck();
  const fixRow = db.prepare('UPDATE main.artifacts SET file_size = ?, sha256 = ? WHERE path = ? AND run_pk = (SELECT run_pk FROM main.runs WHERE run_uuid = ?)');
  for (const move of report.artifactMoves) {
    const file = join(stageDir, 'artifacts', ...move.from.split('/'), 'artifacts', LINEAGE_ARTIFACT);
    if (!existsSync(file)) continue;
    let record: { data?: { ref?: string | null; name?: string; version?: number | null; datasetVersionId?: number | null; source?: string | null } };
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
    } catch {
      continue;
    }
    const ref = record.data?.ref;
    const now = ref ? renamed.get(ref) : undefined;
    if (!record.data || !ref || !now) continue;
    const [name, version] = [now.slice(0, now.lastIndexOf('@')), Number(now.slice(now.lastIndexOf('@') + 1))];
    record.data = { ...record.data, ref: now, version, datasetVersionId: versionId.get(name, version) as number, ...(record.data.source === `mldesk-dataset:${ref}` ? { source: `mldesk-dataset:${now}` } : {}) };
    const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(file, bytes);
    fixRow.run(bytes.length, createHash('sha256').update(bytes).digest('hex'), LINEAGE_ARTIFACT, move.from.split('/')[1]);
  }
}
