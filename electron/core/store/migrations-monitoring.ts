import type { Migration } from './migrations.js';

/**
 * Monitoring (issue 13): references, per-model settings, windows over the prediction log and the
 * statistics computed on them. Not shipped yet while issue 13 is open; after that, never edit it.
 */
export const MONITORING_MIGRATION: Migration = {
  version: 13,
  description: 'monitoring: reference profiles of model versions, per-model settings, prediction windows and their statistics',
  sql: `
    -- What a model version's monitoring compares against: the dataset version it was trained on
    -- (from lineage) or one given by hand, and its profile, computed once and kept.
    CREATE TABLE monitoring_references (
      version_pk INTEGER PRIMARY KEY REFERENCES model_versions(version_pk) ON DELETE CASCADE,
      dataset_version_id INTEGER REFERENCES dataset_versions(version_id),
      dataset_ref TEXT NOT NULL,
      dataset_sha256 TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('lineage', 'manual')),
      status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
      error TEXT,
      profile_json TEXT CHECK (profile_json IS NULL OR json_valid(profile_json)),
      created_time INTEGER NOT NULL,
      updated_time INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE monitoring_settings (
      model_id INTEGER PRIMARY KEY REFERENCES registered_models(model_id) ON DELETE CASCADE,
      settings_json TEXT NOT NULL CHECK (json_valid(settings_json)),
      updated_time INTEGER NOT NULL
    ) STRICT;

    -- One computed window of one version's predictions. Its bounds, the reference it was compared
    -- with and the settings it was computed under are the lineage of every statistic on it.
    CREATE TABLE monitoring_windows (
      window_pk INTEGER PRIMARY KEY,
      version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk) ON DELETE CASCADE,
      reference_dataset_version_id INTEGER REFERENCES dataset_versions(version_id),
      reference_sha256 TEXT,
      spec TEXT NOT NULL,
      from_time INTEGER NOT NULL,
      to_time INTEGER NOT NULL,
      first_prediction_pk INTEGER NOT NULL,
      last_prediction_pk INTEGER NOT NULL,
      rows INTEGER NOT NULL CHECK (rows >= 0),
      labelled_rows INTEGER NOT NULL CHECK (labelled_rows >= 0),
      complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
      settings_sha256 TEXT NOT NULL,
      computed_time INTEGER NOT NULL,
      -- A new reference or new settings start a new series: the old one stays, as computed.
      UNIQUE (version_pk, spec, first_prediction_pk, settings_sha256, reference_sha256)
    ) STRICT;
    CREATE INDEX monitoring_windows_by_version ON monitoring_windows(version_pk, from_time);

    -- One statistic of a window: a feature's drift, the prediction's, a null rate, dataset drift,
    -- a quality metric or an estimate. detail_json holds what the charts need (PSI, effect size,
    -- both distributions, an estimate's band).
    CREATE TABLE monitoring_metrics (
      window_pk INTEGER NOT NULL REFERENCES monitoring_windows(window_pk) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      column_name TEXT NOT NULL,
      method TEXT NOT NULL,
      statistic REAL,
      p_value REAL,
      threshold REAL,
      drifted INTEGER CHECK (drifted IS NULL OR drifted IN (0, 1)),
      detail_json TEXT CHECK (detail_json IS NULL OR json_valid(detail_json)),
      PRIMARY KEY (window_pk, kind, column_name, method)
    ) STRICT, WITHOUT ROWID;
  `,
};
