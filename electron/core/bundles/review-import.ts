import type { ReviewImportReport } from '../../../shared/app-api/reviews.js';
import { formatTarget, type ReviewDocument, type ReviewTarget, type VersionDecision } from '../../../shared/reviews.js';
import { invalidParameter } from '../errors.js';
import { versionAuthors } from '../registry/registry-settings.js';
import type { SqliteDatabase } from '../store/database.js';
import { readReviewFile, type ReadReview } from './review-file.js';
import { loadSigningIdentity } from './signing-identity.js';
import { TrustedKeys } from './trusted-keys.js';

/** The reviews table's identity for a review file's signer: the key, never a name the file chose. */
export const reviewerIdentity = (fingerprint: string) => `key:${fingerprint}`;

interface ReviewerTrust {
  trusted: boolean;
  trustedName: string | null;
  ownKey: boolean;
}

function trustOf(db: SqliteDatabase, dataDir: string, publicKey: string, fingerprint: string): ReviewerTrust {
  const key = new TrustedKeys(db).byFingerprint(fingerprint);
  const trusted = key !== null && key.publicKey === publicKey;
  return { trusted, trustedName: trusted ? key.name : null, ownKey: loadSigningIdentity(dataDir).signer.fingerprint === fingerprint };
}

/** This store's version for a bundle's version: same model name and run (the bundle's number first). */
function localVersion(db: SqliteDatabase, name: string, version: string, runId: string | null): { version_pk: number; version: number } | null {
  const row = (
    runId === null
      ? db.prepare('SELECT v.version_pk, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?').get(name, Number(version))
      : db
          .prepare(
            `SELECT v.version_pk, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
             WHERE m.name = ? AND v.run_id = ? ORDER BY v.version = ? DESC, v.version LIMIT 1`,
          )
          .get(name, runId, Number(version))
  ) as { version_pk: number; version: number } | undefined;
  return row ?? null;
}

/** Why a target is not in this store, or null when it is. */
function missingTarget(db: SqliteDatabase, target: ReviewTarget): string | null {
  const name = formatTarget(target);
  if (target.kind === 'version') {
    return localVersion(db, target.name, target.version, target.runId) ? null : `${name}: no version of model '${target.name}'${target.runId ? ` registered from run ${target.runId}` : ''} in this store`;
  }
  const run = db.prepare('SELECT run_pk FROM runs WHERE run_uuid = ?').get(target.runId) as { run_pk: number } | undefined;
  if (!run) return `${name}: no run ${target.runId} in this store`;
  if (target.kind === 'metric' && !db.prepare('SELECT 1 FROM metrics WHERE run_pk = ? AND key = ? LIMIT 1').get(run.run_pk, target.key)) {
    return `${name}: run ${target.runId} has no metric '${target.key}' in this store`;
  }
  return null;
}

/** Why a trusted reviewer's decision on a version does not count for the champion gate, or null when it does. */
function notCounted(db: SqliteDatabase, trust: ReviewerTrust, versionPk: number | null): string | null {
  if (versionPk === null) return 'the version is not in this store';
  if (trust.ownKey) return "it is signed with this installation's own key: an author cannot approve their own version";
  if (!trust.trusted) return "the reviewer's key is not trusted here (trust it with `mldesk keys trust`, then import the review again)";
  const authors = versionAuthors(db, { version_pk: versionPk }).map((a) => a.toLowerCase());
  if (trust.trustedName && authors.includes(trust.trustedName.toLowerCase())) return `the trusted key '${trust.trustedName}' belongs to one of the version's authors`;
  return null;
}

function storeComments(db: SqliteDatabase, importPk: number, document: ReviewDocument): void {
  const insert = db.prepare(
    `INSERT INTO review_comments (import_pk, ordinal, target_kind, run_uuid, metric_key, metric_step, artifact_path, model_name, model_version, body, created_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  document.comments.forEach(({ target, text, time }, ordinal) => {
    const local = target.kind === 'version' ? localVersion(db, target.name, target.version, target.runId) : null;
    insert.run(
      importPk,
      ordinal,
      target.kind,
      target.runId,
      target.kind === 'metric' ? target.key : null,
      target.kind === 'metric' ? target.step : null,
      target.kind === 'artifact' ? target.path : null,
      target.kind === 'version' ? target.name : null,
      target.kind === 'version' ? (local?.version ?? null) : null,
      text,
      time,
    );
  });
}

function storeDecisions(db: SqliteDatabase, importPk: number, decisions: VersionDecision[]): void {
  const insert = db.prepare(
    'INSERT INTO review_version_decisions (import_pk, model_name, model_version, bundle_version, run_uuid, decision, review_pk) VALUES (?, ?, ?, ?, ?, ?, NULL)',
  );
  for (const d of decisions) insert.run(importPk, d.name, localVersion(db, d.name, d.version, d.runId)?.version ?? null, Number(d.version), d.runId, d.decision);
}

interface DecisionRow {
  model_name: string;
  model_version: number | null;
  bundle_version: number;
  decision: 'approve' | 'request_changes';
  review_pk: number | null;
}

/**
 * Records the decisions that count and were not counted yet as reviews of their versions: a
 * trusted key's approval is an approval (identity `key:<fingerprint>`), its request for changes a
 * rejection; dated when the reviewer decided (never later than now), so a newer human review still wins.
 */
function countDecisions(db: SqliteDatabase, importPk: number, review: ReadReview, trust: ReviewerTrust): ReviewImportReport['versionDecisions'] {
  const rows = db.prepare('SELECT model_name, model_version, bundle_version, decision, review_pk FROM review_version_decisions WHERE import_pk = ? ORDER BY rowid').all(importPk) as DecisionRow[];
  const fingerprint = review.manifest.signer.fingerprint;
  const when = Math.min(review.document.createdTime, Date.now());
  return rows.map((row) => {
    const local = row.model_version === null ? null : localVersion(db, row.model_name, String(row.model_version), null);
    const version = String(row.model_version ?? row.bundle_version);
    if (row.review_pk !== null) return { name: row.model_name, version, decision: row.decision, counted: true, reason: null };
    const reason = notCounted(db, trust, local?.version_pk ?? null);
    if (reason !== null) return { name: row.model_name, version, decision: row.decision, counted: false, reason };
    const info = db
      .prepare('INSERT INTO model_version_reviews (version_pk, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time) VALUES (?, ?, ?, ?, ?, NULL, ?)')
      .run(
        local!.version_pk,
        reviewerIdentity(fingerprint),
        trust.trustedName ?? review.document.reviewer.name,
        row.decision === 'approve' ? 'approved' : 'rejected',
        `From the review file ${review.manifestSha256.slice(0, 12)} (${review.document.decision.replace('_', ' ')}), signed by the trusted key '${trust.trustedName}'.`,
        when,
      );
    db.prepare('UPDATE review_version_decisions SET review_pk = ? WHERE import_pk = ? AND model_name = ? AND bundle_version = ?').run(Number(info.lastInsertRowid), importPk, row.model_name, row.bundle_version);
    return { name: row.model_name, version, decision: row.decision, counted: true, reason: null };
  });
}

/**
 * Imports a checked review into the store in one transaction: the archive_imports row (kind
 * 'review'), the review, its comments and version decisions. The same file again adds nothing,
 * except the decisions that count now that were not counted before (the key was trusted meanwhile).
 */
export function importReview(db: SqliteDatabase, dataDir: string, review: ReadReview): ReviewImportReport {
  const { manifest, document } = review;
  const signer = manifest.signer;
  const trust = trustOf(db, dataDir, signer.publicKey, signer.fingerprint);
  const missing = [...document.comments.map((c) => c.target), ...document.versionDecisions.map((d) => ({ kind: 'version' as const, name: d.name, version: d.version, runId: d.runId }))]
    .map((target) => missingTarget(db, target))
    .filter((m): m is string => m !== null);
  const warnings: string[] = [];
  if (document.bundle.signerFingerprint !== loadSigningIdentity(dataDir).signer.fingerprint) {
    warnings.push(`The reviewed bundle was signed by ${document.bundle.signerFingerprint}, not by this installation's key: it may be someone else's bundle.`);
  }
  const result = db.transaction(() => {
    const existing = db.prepare('SELECT import_pk, kind FROM archive_imports WHERE manifest_sha256 = ?').get(review.manifestSha256) as { import_pk: number; kind: string } | undefined;
    if (existing && existing.kind !== 'review') throw invalidParameter(`This file's manifest was imported before as a ${existing.kind}, not a review.`);
    let importPk: number;
    if (existing) importPk = existing.import_pk;
    else {
      const summary = JSON.stringify({ bundleManifestSha256: document.bundle.manifestSha256, decision: document.decision, comments: document.comments.length, reviewer: document.reviewer.name });
      importPk = Number(
        db
          .prepare('INSERT INTO archive_imports (kind, manifest_sha256, signer_fingerprint, signer_name, summary_json, imported_time) VALUES (?, ?, ?, ?, ?, ?)')
          .run('review', review.manifestSha256, signer.fingerprint, signer.name, summary, Date.now()).lastInsertRowid,
      );
      db.prepare(
        'INSERT INTO review_files (import_pk, bundle_manifest_sha256, reviewer_fingerprint, reviewer_public_key, reviewer_display, decision, reviewed_time) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(importPk, document.bundle.manifestSha256, signer.fingerprint, signer.publicKey, document.reviewer.name, document.decision, document.createdTime);
      storeComments(db, importPk, document);
      storeDecisions(db, importPk, document.versionDecisions);
    }
    return { alreadyImported: existing !== undefined, versionDecisions: countDecisions(db, importPk, review, trust) };
  }).immediate();
  return {
    manifestSha256: review.manifestSha256,
    alreadyImported: result.alreadyImported,
    reviewer: { displayName: document.reviewer.name, fingerprint: signer.fingerprint, ...trust },
    decision: document.decision,
    bundleManifestSha256: document.bundle.manifestSha256,
    comments: document.comments.length,
    newComments: result.alreadyImported ? 0 : document.comments.length,
    missing,
    versionDecisions: result.versionDecisions,
    warnings,
  };
}

/** Reads, checks and imports a review file (ArchiveError / ReviewFileError when it is refused; nothing is written then). */
export async function importReviewFile(db: SqliteDatabase, dataDir: string, file: string): Promise<ReviewImportReport> {
  return importReview(db, dataDir, await readReviewFile(file));
}
