import type { ExperimentSummary } from '../../../shared/app-api/entities.js';
import type { ViewType } from '../../../shared/tracking-types.js';
import type { SqliteDatabase } from './database.js';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  run_count: number;
  last_run_time: number | null;
}

/** The app's experiment list: names containing `search`, with run counts and tags, most recently run first. */
export function experimentSummaries(db: SqliteDatabase, { search, viewType }: { search?: string; viewType?: ViewType }): ExperimentSummary[] {
  const stage = viewType === 'DELETED_ONLY' ? "= 'deleted'" : viewType === 'ALL' ? "IN ('active', 'deleted')" : "= 'active'";
  const rows = db
    .prepare(
      `SELECT e.experiment_id, e.name, e.lifecycle_stage, e.creation_time, e.last_update_time,
         (SELECT count(*) FROM runs r WHERE r.experiment_id = e.experiment_id AND r.lifecycle_stage = 'active') AS run_count,
         (SELECT max(start_time) FROM runs r WHERE r.experiment_id = e.experiment_id AND r.lifecycle_stage = 'active') AS last_run_time
       FROM experiments e
       WHERE e.lifecycle_stage ${stage} AND (? IS NULL OR instr(lower(e.name), lower(?)) > 0)
       ORDER BY coalesce(last_run_time, e.creation_time) DESC, e.experiment_id`,
    )
    .all(search || null, search || null) as ExperimentRow[];
  const tagRows = db.prepare('SELECT experiment_id, key, value FROM experiment_tags ORDER BY key').all() as Array<{ experiment_id: number; key: string; value: string }>;
  const tagsByExperiment = new Map<number, Array<{ key: string; value: string }>>();
  for (const { experiment_id, key, value } of tagRows) {
    const tags = tagsByExperiment.get(experiment_id);
    if (tags) tags.push({ key, value });
    else tagsByExperiment.set(experiment_id, [{ key, value }]);
  }
  return rows.map((row) => ({
    experimentId: String(row.experiment_id),
    name: row.name,
    lifecycleStage: row.lifecycle_stage,
    creationTime: row.creation_time,
    lastUpdateTime: row.last_update_time,
    runCount: row.run_count,
    lastRunTime: row.last_run_time,
    tags: tagsByExperiment.get(row.experiment_id) ?? [],
  }));
}
