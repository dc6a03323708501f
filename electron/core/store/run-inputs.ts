import { LIMITS } from '../../../shared/tracking-limits.js';
import type { DatasetInput } from '../../../shared/tracking-types.js';
import { invalidParameter } from '../errors.js';
import type { SqliteDatabase } from './database.js';
import type { RunStore } from './runs.js';

/** runs/log-inputs: datasets are shared per experiment by (name, digest); each run links to them. */
export function logInputs(db: SqliteDatabase, runs: RunStore, runId: string, inputs: DatasetInput[]): void {
  if (inputs.length > LIMITS.maxDatasetsPerCall) {
    throw invalidParameter(`Field 'datasets': at most ${LIMITS.maxDatasetsPerCall} dataset inputs per call, got ${inputs.length}.`);
  }
  inputs.forEach((input, index) => {
    const d = input.dataset;
    const field = `datasets[${index}].dataset`;
    if (d.name.length > LIMITS.maxDatasetNameLength) throw invalidParameter(`Field '${field}.name' exceeds ${LIMITS.maxDatasetNameLength} characters.`);
    if (d.digest.length > LIMITS.maxDatasetDigestLength) throw invalidParameter(`Field '${field}.digest' exceeds ${LIMITS.maxDatasetDigestLength} characters.`);
    if (d.source.length > LIMITS.maxDatasetSourceLength) throw invalidParameter(`Field '${field}.source' exceeds ${LIMITS.maxDatasetSourceLength} characters.`);
    if ((d.schema?.length ?? 0) > LIMITS.maxDatasetSchemaLength) throw invalidParameter(`Field '${field}.schema' exceeds ${LIMITS.maxDatasetSchemaLength} characters.`);
    if ((d.profile?.length ?? 0) > LIMITS.maxDatasetProfileLength) throw invalidParameter(`Field '${field}.profile' exceeds ${LIMITS.maxDatasetProfileLength} characters.`);
  });
  const run = runs.activeRow(runId);
  const findDataset = db.prepare('SELECT dataset_pk FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?');
  const insertDataset = db.prepare(
    'INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const link = db.prepare('INSERT OR IGNORE INTO run_inputs (run_pk, dataset_pk) VALUES (?, ?)');
  const tag = db.prepare(
    `INSERT INTO run_input_tags (run_pk, dataset_pk, key, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_pk, dataset_pk, key) DO UPDATE SET value = excluded.value`,
  );
  db.transaction(() => {
    for (const input of inputs) {
      const d = input.dataset;
      let pk = (findDataset.get(run.experiment_id, d.name, d.digest) as { dataset_pk: number } | undefined)?.dataset_pk;
      if (pk === undefined) {
        pk = Number(insertDataset.run(run.experiment_id, d.name, d.digest, d.source_type, d.source, d.schema ?? null, d.profile ?? null).lastInsertRowid);
      }
      link.run(run.run_pk, pk);
      for (const t of input.tags) tag.run(run.run_pk, pk, t.key, t.value);
    }
  }).immediate();
}
