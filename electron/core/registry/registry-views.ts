/**
 * Read side of the registry for the app: model summaries and versions joined with their runs,
 * the dataset versions those runs trained on, final metrics and reviews. The registry core answers
 * in MLflow's wire shapes; these are the shapes the UI lists and compares.
 */
import type { AliasChange, ModelSummary, ModelVersionInfo, RegistrySettings, Review, VersionDataset } from '../../../shared/app-api/models.js';
import { CHAMPION, previousVersion } from '../../../shared/app-api/models.js';
import { parseDatasetRef } from '../../../shared/datasets.js';
import { edgesTouching } from '../lineage/index.js';
import type { ModelRegistry } from './model-registry.js';
import type { AliasAuditEntry, RegistrySettings as CoreRegistrySettings, ModelVersion, ModelVersionReview } from './registry-types.js';
import type { TrackingStore } from '../store/tracking-store.js';

interface ListRow {
  name: string;
  updated: number;
}

export function reviewView(review: ModelVersionReview): Review {
  return { reviewerIdentity: review.reviewer_identity, reviewerDisplay: review.reviewer_display, decision: review.decision, comment: review.comment, time: review.created_time };
}

export function settingsView(settings: CoreRegistrySettings): RegistrySettings {
  return { fourEyes: settings.four_eyes, updatedBy: settings.updated_by, updatedTime: settings.updated_time };
}

/** Models whose name contains `search`, most recently changed first (reviews and alias moves count). */
export function listModels(store: TrackingStore, registry: ModelRegistry, query: { search?: string; offset: number; limit: number }): { total: number; models: ModelSummary[] } {
  const search = query.search?.trim() || null;
  const where = '(? IS NULL OR instr(lower(m.name), lower(?)) > 0)';
  const total = (store.db.prepare(`SELECT count(*) AS n FROM registered_models m WHERE ${where}`).get(search, search) as { n: number }).n;
  const rows = store.db
    .prepare(
      `SELECT m.name, max(m.last_updated_timestamp,
          coalesce((SELECT max(a.created_time) FROM alias_audit a WHERE a.model_id = m.model_id), 0),
          coalesce((SELECT max(r.created_time) FROM model_version_reviews r JOIN model_versions v ON v.version_pk = r.version_pk WHERE v.model_id = m.model_id), 0)) AS updated
       FROM registered_models m WHERE ${where}
       ORDER BY updated DESC, m.name LIMIT ? OFFSET ?`,
    )
    .all(search, search, query.limit, query.offset) as ListRow[];
  return { total, models: rows.map((row) => modelSummary(store, registry, row.name, row.updated)) };
}

export function modelSummary(store: TrackingStore, registry: ModelRegistry, name: string, updated?: number): ModelSummary {
  const model = registry.getModel(name);
  const counts = store.db
    .prepare('SELECT count(*) AS n, max(v.version) AS latest FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ?')
    .get(name) as { n: number; latest: number | null };
  const champion = model.aliases.find((a) => a.alias === CHAMPION)?.version ?? null;
  const latestVersion = counts.latest === null ? null : String(counts.latest);
  return {
    name: model.name,
    description: model.description,
    creationTime: model.creation_timestamp,
    lastUpdated: Math.max(model.last_updated_timestamp, updated ?? 0),
    versionCount: counts.n,
    latestVersion,
    aliases: model.aliases,
    championVersion: champion,
    championApproval: champion === null ? null : registry.approvals.approvalState(name, champion),
    championPrevious: champion === null ? null : previousVersion(aliasTrail(registry, name, CHAMPION), CHAMPION),
    latestApproval: latestVersion === null ? null : registry.approvals.approvalState(name, latestVersion),
  };
}

/** The dataset versions a run read: lineage edges for MLDesk datasets, else MLflow dataset inputs. */
function runDatasets(store: TrackingStore, runId: string): VersionDataset[] {
  const refs = edgesTouching(store.db, 'run', runId)
    .filter((edge) => edge.relation === 'trained_on' && edge.targetId === runId)
    .map((edge) => edge.sourceId);
  if (refs.length > 0) {
    const lookup = store.db.prepare(
      'SELECT v.sha256, v.row_count FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.version = ?',
    );
    return refs.map((ref) => {
      const parsed = parseDatasetRef(ref);
      if ('error' in parsed || parsed.version === undefined) return { ref, name: ref, version: null, sha256: null, rows: null };
      const row = lookup.get(parsed.name, parsed.version) as { sha256: string; row_count: number } | undefined;
      return { ref, name: parsed.name, version: parsed.version, sha256: row?.sha256 ?? null, rows: row?.row_count ?? null };
    });
  }
  const run = store.runs.get(runId);
  return run.inputs.dataset_inputs.map((input) => ({ ref: input.dataset.name, name: input.dataset.name, version: null, sha256: input.dataset.digest || null, rows: null }));
}

function runPart(store: TrackingStore, runId: string): Pick<ModelVersionInfo, 'run' | 'datasets' | 'metrics'> {
  const row = store.db
    .prepare('SELECT r.name, r.status, r.experiment_id FROM runs r WHERE r.run_uuid = ?')
    .get(runId) as { name: string; status: string; experiment_id: number } | undefined;
  if (!row) return { run: null, datasets: [], metrics: {} };
  const metrics: Record<string, number> = {};
  for (const m of store.runs.get(runId).data.metrics) {
    const value = Number(m.value);
    if (!m.key.startsWith('system/') && Number.isFinite(value)) metrics[m.key] = value;
  }
  return { run: { runId, runName: row.name, experimentId: String(row.experiment_id), status: row.status }, datasets: runDatasets(store, runId), metrics };
}

export function versionInfo(store: TrackingStore, registry: ModelRegistry, version: ModelVersion): ModelVersionInfo {
  const reviews = registry.approvals.reviews(version.name, version.version).map(reviewView);
  return {
    version: version.version,
    createdTime: version.creation_timestamp,
    lastUpdated: version.last_updated_timestamp,
    stage: version.current_stage,
    description: version.description,
    source: version.source,
    status: version.status,
    aliases: version.aliases,
    ...(version.run_id ? runPart(store, version.run_id) : { run: null, datasets: [], metrics: {} }),
    approval: registry.approvals.approvalState(version.name, version.version),
    reviews,
    authors: registry.authorsOf(version.name, version.version),
    championRefusal: registry.approvals.championRefusal(registry.versionRow(version.name, version.version)),
  };
}

/** Every version of a model, newest first. */
export function modelVersions(store: TrackingStore, registry: ModelRegistry, name: string): ModelVersionInfo[] {
  const numbers = store.db
    .prepare('SELECT v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? ORDER BY v.version DESC')
    .all(name) as Array<{ version: number }>;
  return numbers.map(({ version }) => versionInfo(store, registry, registry.getVersion(name, version)));
}

export const aliasChange = (e: AliasAuditEntry): AliasChange => ({
  alias: e.alias,
  fromVersion: e.from_version,
  toVersion: e.to_version,
  actorIdentity: e.actor_identity,
  actorDisplay: e.actor_display,
  reason: e.reason,
  time: e.time,
});

/** The trail of one alias, oldest first (as rollbacks read it). */
export function aliasTrail(registry: ModelRegistry, name: string, alias: string): AliasChange[] {
  return registry.aliasHistory(name, alias).map(aliasChange);
}
