/**
 * `mldesk serve-model --package FILE`: a handoff package verified (signature and every entry's hash)
 * and installed into a data dir as the author's registry had it (model, version number, tags,
 * reviews, aliases and their trail, reference profile), so the normal serve path serves it.
 * Installing the same package again changes nothing (archive_imports, by the manifest's hash).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { PACKAGE_PATHS, PackageMetaSchema, type PackageMeta } from '../../../shared/app-api/handoff.js';
import { SIGNATURE_PATH, type Manifest, type Signer } from '../../../shared/bundles.js';
import { alreadyExists } from '../errors.js';
import type { z } from 'zod';
import type { TrackingStore } from '../store/tracking-store.js';
import { ArchiveError, openSignedArchive, type ArchiveReader } from './archive-reader.js';
import { PackageAliasHistorySchema, PackageApprovalsSchema, PackageReferenceSchema, PackageVersionFileSchema, readRecord, REGISTRY_FILES } from './package-records.js';
import { canonicalJson } from './canonical-json.js';
import { keyFingerprint } from './signing-identity.js';
import { TrustedKeys } from './trusted-keys.js';

export interface InstalledPackage {
  meta: PackageMeta;
  signer: Signer;
  /** The signer's key is among this installation's trusted keys (or is the one --trust named). */
  trusted: boolean;
  /** False when this package was installed here before (nothing changed). */
  installed: boolean;
  manifestSha256: string;
  /** What to serve: NAME@ALIAS when the export named an alias, else NAME/VERSION. */
  target: string;
}

/** `--trust KEY`: a fingerprint (`SHA256:…`) or a raw base64 Ed25519 public key. */
function matchesTrust(signer: Signer, trust: string): boolean {
  const wanted = trust.trim();
  if (wanted.startsWith('SHA256:')) return wanted === signer.fingerprint;
  try {
    return keyFingerprint(wanted) === signer.fingerprint;
  } catch {
    return false;
  }
}

/** Reads every entry once, so a changed byte anywhere is refused before anything is installed. */
async function checkEveryEntry(reader: ArchiveReader): Promise<void> {
  for (const entry of reader.manifest.entries) {
    const stream = await reader.stream(entry.path);
    try {
      for await (const chunk of stream) void chunk;
    } catch (error) {
      throw error instanceof ArchiveError ? error : new ArchiveError(entry.path, `is damaged (${(error as Error).message})`);
    }
  }
}

const manifestSha256 = (manifest: Manifest) => createHash('sha256').update(canonicalJson(manifest)).digest('hex');

/**
 * Verifies `file` and installs it into `store`'s data dir. Throws ArchiveError (naming the entry)
 * for a tampered, truncated or foreign file, or when `trust` names a key other than the signer's.
 */
export async function installPackage(store: TrackingStore, file: string, options: { trust?: string } = {}): Promise<InstalledPackage> {
  const reader = await openSignedArchive(file, { kind: 'package' });
  try {
    const { manifest } = reader;
    const signer = manifest.signer;
    if (options.trust !== undefined && !matchesTrust(signer, options.trust)) {
      throw new ArchiveError(SIGNATURE_PATH, `the package is signed by ${signer.name} (${signer.fingerprint}), not by the key --trust names (${options.trust.trim()}): refused`);
    }
    const known = new TrustedKeys(store.db).byFingerprint(signer.fingerprint);
    const trusted = options.trust !== undefined || (known !== null && known.publicKey === signer.publicKey);
    const parsedMeta = PackageMetaSchema.safeParse(manifest.meta);
    if (!parsedMeta.success) throw new ArchiveError('manifest.json', `its meta is not a package's: ${parsedMeta.error.issues[0]?.path.join('.')} ${parsedMeta.error.issues[0]?.message}`, true);
    const meta = parsedMeta.data;
    await checkEveryEntry(reader);
    const sha = manifestSha256(manifest);
    const target = meta.alias ? `${meta.model}@${meta.alias}` : `${meta.model}/${meta.version}`;
    const result = { meta, signer, trusted, manifestSha256: sha, target };
    const { db } = store;
    const imported = db.prepare("SELECT 1 FROM archive_imports WHERE kind = 'package' AND manifest_sha256 = ?").get(sha);
    const versionPk = () =>
      db.prepare('SELECT v.version_pk FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?').pluck().get(meta.model, Number(meta.version)) as
        | number
        | undefined;
    const existing = versionPk();
    if (imported && existing !== undefined) return { ...result, installed: false };
    if (existing !== undefined) {
      const from = db.prepare("SELECT value FROM model_version_tags WHERE version_pk = ? AND key = 'mldesk.package.manifest_sha256'").pluck().get(existing) as string | undefined;
      if (from !== sha) {
        throw alreadyExists(`Model ${meta.model} version ${meta.version} already exists in this data dir${from ? ' (installed from another package)' : ''}: a package is served from an empty data dir, or one holding only its own install.`);
      }
    }

    for (const path of REGISTRY_FILES) if (!reader.has(path)) throw new ArchiveError(path, 'is missing: a package carries its registry records');
    const versionFile = await readRecord(reader, PACKAGE_PATHS.version, PackageVersionFileSchema);
    if (versionFile.version.name !== meta.model || versionFile.version.version !== meta.version) {
      throw new ArchiveError(PACKAGE_PATHS.version, `names ${versionFile.version.name}/${versionFile.version.version}, the manifest ${meta.model}/${meta.version}`);
    }
    const approvals = await readRecord(reader, PACKAGE_PATHS.approvals, PackageApprovalsSchema);
    const aliasHistory = await readRecord(reader, PACKAGE_PATHS.aliasHistory, PackageAliasHistorySchema);
    const reference = reader.has(PACKAGE_PATHS.reference) ? await readRecord(reader, PACKAGE_PATHS.reference, PackageReferenceSchema) : null;
    if (!reader.manifest.entries.some((e) => e.path === `${PACKAGE_PATHS.modelPrefix}signature.json`)) throw new ArchiveError(`${PACKAGE_PATHS.modelPrefix}signature.json`, 'is missing: the package holds no servable model');

    // The model files go to a folder named by the manifest's hash, extracted beside it and renamed.
    const relative = `packages/${sha.slice(0, 32)}`;
    const dir = store.artifacts.resolveProxyPath(relative);
    const temp = `${dir}.partial-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    let created = false;
    try {
      await reader.extract(temp, (entry) => entry.path.startsWith(PACKAGE_PATHS.modelPrefix));
      await rename(temp, dir);
      created = true;
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Another start installed the same package meanwhile: the folder only ever appears whole, by rename.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    try {
      writeRegistry(store, { meta, versionFile, approvals: approvals.reviews, aliasHistory, reference, sha, signer, source: `mlflow-artifacts:/${relative}/model`, file });
    } catch (error) {
      if (created) await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { ...result, installed: true };
  } finally {
    reader.close();
  }
}

interface RegistryRecords {
  meta: PackageMeta;
  versionFile: z.infer<typeof PackageVersionFileSchema>;
  approvals: z.infer<typeof PackageApprovalsSchema>['reviews'];
  aliasHistory: z.infer<typeof PackageAliasHistorySchema>;
  reference: z.infer<typeof PackageReferenceSchema> | null;
  sha: string;
  signer: Signer;
  source: string;
  file: string;
}

/** One transaction: the model, the version under its own number, its tags, reviews, aliases, trail, reference, and the import record. */
function writeRegistry(store: TrackingStore, records: RegistryRecords): void {
  const { db } = store;
  const { meta, versionFile, sha } = records;
  const version = versionFile.version;
  const number = Number(meta.version);
  const now = Date.now();
  db.transaction(() => {
    db.prepare('INSERT OR IGNORE INTO registered_models (name, description, creation_timestamp, last_updated_timestamp) VALUES (?, ?, ?, ?)').run(
      meta.model,
      versionFile.model.description,
      version.creation_timestamp,
      now,
    );
    const modelId = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').pluck().get(meta.model) as number;
    const modelTag = db.prepare('INSERT OR IGNORE INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?)');
    for (const tag of versionFile.model.tags) modelTag.run(modelId, tag.key, tag.value);
    let versionPk = db.prepare('SELECT version_pk FROM model_versions WHERE model_id = ? AND version = ?').pluck().get(modelId, number) as number | undefined;
    if (versionPk === undefined) {
      const info = db
        .prepare(
          `INSERT INTO model_versions (model_id, version, source, run_id, run_link, description, status, current_stage, creation_timestamp, last_updated_timestamp)
           VALUES (?, ?, ?, NULL, '', ?, 'READY', ?, ?, ?)`,
        )
        .run(modelId, number, records.source, version.description, version.current_stage, version.creation_timestamp, now);
      versionPk = Number(info.lastInsertRowid);
      const versionTag = db.prepare('INSERT OR REPLACE INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)');
      for (const tag of version.tags) versionTag.run(versionPk, tag.key, tag.value);
      // Where it came from: the author's source and run stay known though the run is not here.
      versionTag.run(versionPk, 'mldesk.package.manifest_sha256', sha);
      versionTag.run(versionPk, 'mldesk.package.signer', `${records.signer.name} ${records.signer.fingerprint}`);
      versionTag.run(versionPk, 'mldesk.package.source', version.source);
      if (version.run_id) versionTag.run(versionPk, 'mldesk.package.run_id', version.run_id);
      const review = db.prepare(
        'INSERT INTO model_version_reviews (version_pk, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const r of records.approvals) review.run(versionPk, r.reviewer_identity, r.reviewer_display, r.decision, r.comment, r.gates === null || r.gates === undefined ? null : JSON.stringify(r.gates), r.created_time);
      const audit = db.prepare(
        `INSERT INTO alias_audit (model_id, model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of records.aliasHistory) {
        audit.run(modelId, e.name, e.alias, e.from_version === null ? null : Number(e.from_version), e.to_version === null ? null : Number(e.to_version), e.actor_identity, e.actor_display, e.reason, e.time);
      }
      if (records.reference) {
        db.prepare(
          `INSERT OR REPLACE INTO monitoring_references (version_pk, dataset_version_id, dataset_ref, dataset_sha256, source, status, error, profile_json, created_time, updated_time)
           VALUES (?, NULL, ?, ?, ?, 'ready', NULL, ?, ?, ?)`,
        ).run(versionPk, records.reference.datasetRef, records.reference.datasetSha256, records.reference.source, JSON.stringify(records.reference.profile), now, now);
      }
    }
    db.prepare('UPDATE registered_models SET next_version = MAX(next_version, ?), last_updated_timestamp = ? WHERE model_id = ?').run(number + 1, now, modelId);
    // The aliases that named this version when it was exported (the one the export named among them).
    const setAlias = db.prepare('INSERT OR IGNORE INTO registered_model_aliases (model_id, alias, version) VALUES (?, ?, ?)');
    for (const alias of new Set([...version.aliases, ...(meta.alias ? [meta.alias] : [])])) setAlias.run(modelId, alias, number);
    db.prepare(
      `INSERT OR IGNORE INTO archive_imports (kind, manifest_sha256, signer_fingerprint, signer_name, summary_json, imported_time) VALUES ('package', ?, ?, ?, ?, ?)`,
    ).run(sha, records.signer.fingerprint, records.signer.name, JSON.stringify({ model: meta.model, version: meta.version, alias: meta.alias ?? null, file: records.file }), now);
  }).immediate();
}
