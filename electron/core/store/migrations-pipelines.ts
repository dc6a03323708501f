import type { Migration } from './migrations.js';

/** Continuous training (issue 15). Not shipped yet while issue 15 is open; the pipelines owner may change these tables until then. */
export const PIPELINES_MIGRATION: Migration = {
  version: 21,
  description: 'continuous training: per-model policies, pipeline runs and their steps, shadow scoring',
  sql: `
    CREATE TABLE ct_policies (
      model_name TEXT PRIMARY KEY REFERENCES registered_models(name) ON UPDATE CASCADE ON DELETE CASCADE,
      policy_json TEXT NOT NULL,
      -- Trigger bookkeeping: labelled rows seen at the last run, last schedule fire.
      state_json TEXT NOT NULL DEFAULT '{}',
      updated_time INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE pipeline_runs (
      pipeline_id TEXT PRIMARY KEY,
      model_name TEXT NOT NULL,
      trigger_json TEXT NOT NULL,
      policy_json TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'promoted', 'kept_champion', 'waiting_review', 'failed', 'cancelled')),
      job_id TEXT REFERENCES jobs(job_id) ON DELETE SET NULL,
      champion_version INTEGER,
      challenger_version INTEGER,
      decision TEXT,
      created_time INTEGER NOT NULL,
      end_time INTEGER
    ) STRICT;
    CREATE INDEX pipeline_runs_by_model ON pipeline_runs(model_name, created_time);

    CREATE TABLE pipeline_steps (
      pipeline_id TEXT NOT NULL REFERENCES pipeline_runs(pipeline_id) ON DELETE CASCADE,
      ordinal INTEGER NOT NULL,
      step TEXT NOT NULL CHECK (step IN ('trigger', 'data', 'train', 'evaluate', 'gate', 'promote')),
      job_id TEXT REFERENCES jobs(job_id) ON DELETE SET NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped')),
      detail_json TEXT NOT NULL DEFAULT '{}',
      start_time INTEGER,
      end_time INTEGER,
      PRIMARY KEY (pipeline_id, ordinal)
    ) STRICT;

    -- Shadow scoring: the challenger's answer to a live request the champion answered (request_id
    -- is the champion's logged row). Kept apart from predictions, so the champion's monitoring,
    -- quality and exports never see them.
    CREATE TABLE shadow_predictions (
      shadow_pk INTEGER PRIMARY KEY,
      request_id TEXT NOT NULL,
      model_name TEXT NOT NULL,
      model_version INTEGER NOT NULL,
      served_version INTEGER NOT NULL,
      output_json TEXT NOT NULL CHECK (json_valid(output_json)),
      predicted_label TEXT,
      predicted_value REAL,
      created_time INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX shadow_predictions_by_model ON shadow_predictions(model_name, model_version, shadow_pk);
  `,
};
