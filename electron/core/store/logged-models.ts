import { LIMITS, textLength } from '../../../shared/tracking-limits.js';
import { invalidParameter } from '../errors.js';
import type { TrackingStore } from './tracking-store.js';

/** The run tag where MLflow keeps the models logged to a run (`mlflow.<flavor>.log_model`). */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';
const REQUIRED_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;

type ModelInfo = Record<string, unknown>;

function parseModel(modelJson: string): ModelInfo {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch (error) {
    throw invalidParameter(`Invalid value for parameter 'model_json': malformed model info, not valid JSON (${(error as Error).message}).`);
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw invalidParameter("Invalid value for parameter 'model_json': expected a JSON object describing the model.");
  }
  const missing = REQUIRED_FIELDS.filter((field) => !(field in model));
  if (missing.length > 0) throw invalidParameter(`Invalid value for parameter 'model_json': model json is missing mandatory fields: ${missing.join(', ')}.`);
  return model as ModelInfo;
}

function previousEntries(value: string | undefined): unknown[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * runs/log-model: appends the model's description to the run's `mlflow.log-model.history` tag, as
 * MLflow does. The tag keeps MLflow's 5,000-character limit; when the history outgrows it the
 * oldest entries give way (MLflow would cut the JSON mid-way), and a single model description
 * longer than the limit is refused with a 400.
 */
export function recordLoggedModel(store: TrackingStore, runId: string, modelJson: string): void {
  const model = parseModel(modelJson);
  // Immediate: the read of the previous history and the write must not interleave with another writer.
  store.db
    .transaction(() => {
      const run = store.runs.activeRow(runId);
      const previous = store.db.prepare('SELECT value FROM tags WHERE run_pk = ? AND key = ?').get(run.run_pk, LOGGED_MODELS_TAG) as { value: string } | undefined;
      const entries = [...previousEntries(previous?.value), model];
      let value = JSON.stringify(entries);
      while (entries.length > 1 && textLength(value) > LIMITS.maxTagValueLength) {
        entries.shift();
        value = JSON.stringify(entries);
      }
      store.setTag(runId, { key: LOGGED_MODELS_TAG, value });
    })
    .immediate();
}
