/**
 * Numbered schema migrations. Migration N brings a database from user_version N-1 to N; each runs in
 * one transaction. Never edit a migration that has shipped: add a new one.
 */
import { ALERTS_MIGRATION } from './migrations-alerts.js';
import { BUNDLES_MIGRATION } from './migrations-bundles.js';
import { PREDICTION_SUMMARY_MIGRATION } from './migrations-prediction-summary.js';
import { MONITORING_MIGRATION } from './migrations-monitoring.js';
import { QUALITY_TESTS_MIGRATION } from './migrations-quality-tests.js';
import { REVIEWS_MIGRATION } from './migrations-reviews.js';
import { JOBS_MIGRATION } from './migrations-jobs.js';
import { SWEEPS_MIGRATION } from './migrations-sweeps.js';
import { PIPELINES_MIGRATION } from './migrations-pipelines.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'tracking core: experiments, runs, params, metrics, tags, artifacts, datasets, lineage',
    sql: `
      CREATE TABLE experiments (
        experiment_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        artifact_location TEXT NOT NULL,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
        creation_time INTEGER NOT NULL,
        last_update_time INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE experiment_tags (
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE runs (
        run_pk INTEGER PRIMARY KEY,
        run_uuid TEXT NOT NULL UNIQUE,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        user_id TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
        start_time INTEGER,
        end_time INTEGER,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
        artifact_uri TEXT NOT NULL,
        deleted_time INTEGER
      ) STRICT;
      CREATE INDEX runs_by_experiment_start ON runs(experiment_id, start_time DESC, run_uuid);

      CREATE TABLE params (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_pk, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX params_by_key ON params(key, value);

      CREATE TABLE tags (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_pk, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX tags_by_key ON tags(key, value);

      -- Every logged point. NaN cannot be stored in SQLite (it becomes NULL), so it is kept as
      -- value 0 with is_nan = 1. Logging the very same point twice (a client retry) is a no-op,
      -- as in MLflow, hence the primary key over the whole point.
      CREATE TABLE metrics (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        value REAL NOT NULL,
        is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
        PRIMARY KEY (run_pk, key, step, timestamp, value, is_nan)
      ) STRICT, WITHOUT ROWID;

      -- The latest point per key (highest step, then timestamp, then value), kept in step with
      -- metrics so search and the runs table never scan histories.
      CREATE TABLE latest_metrics (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value REAL NOT NULL,
        is_nan INTEGER NOT NULL DEFAULT 0,
        step INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        PRIMARY KEY (run_pk, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX latest_metrics_by_key ON latest_metrics(key, value);

      -- Artifact files are on disk under the data directory; this table is their index
      -- (size and content hash) for lineage and integrity checks.
      CREATE TABLE artifacts (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        path TEXT NOT NULL,
        file_size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (run_pk, path)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE datasets (
        dataset_pk INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        source_type TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        schema TEXT,
        profile TEXT,
        UNIQUE (experiment_id, name, digest)
      ) STRICT;

      CREATE TABLE run_inputs (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        dataset_pk INTEGER NOT NULL REFERENCES datasets(dataset_pk) ON DELETE CASCADE,
        PRIMARY KEY (run_pk, dataset_pk)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE run_input_tags (
        run_pk INTEGER NOT NULL,
        dataset_pk INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_pk, dataset_pk, key),
        FOREIGN KEY (run_pk, dataset_pk) REFERENCES run_inputs(run_pk, dataset_pk) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      -- Generic lineage graph (dataset -> run -> model version -> deployment ...). Later issues add
      -- typed tables (model versions, predictions) and record their edges here.
      CREATE TABLE lineage_edges (
        edge_pk INTEGER PRIMARY KEY,
        source_kind TEXT NOT NULL,
        source_id TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_id TEXT NOT NULL,
        relation TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        UNIQUE (source_kind, source_id, target_kind, target_id, relation)
      ) STRICT;
      CREATE INDEX lineage_edges_by_target ON lineage_edges(target_kind, target_id);
    `,
  },
  {
    version: 2,
    description: 'metric blocks: per-run, per-key summaries over blocks of steps, for charts of long histories',
    sql: `
      -- Summaries of finite metric values over blocks of 2^level steps (levels 5, 8 and 11: 32,
      -- 256 and 2,048 steps), kept in step with metrics at write time. A chart of a million-point
      -- history reads a few thousand of these rows instead of a million points.
      CREATE TABLE metric_blocks (
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        level INTEGER NOT NULL,
        block INTEGER NOT NULL,
        count INTEGER NOT NULL,
        sum REAL NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        first_step INTEGER NOT NULL,
        last_step INTEGER NOT NULL,
        first_timestamp INTEGER NOT NULL,
        last_timestamp INTEGER NOT NULL,
        PRIMARY KEY (run_pk, key, level, block)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO metric_blocks
        SELECT run_pk, key, level, step >> level, count(*), sum(value), min(value), max(value),
               min(step), max(step), min(timestamp), max(timestamp)
        FROM metrics, (SELECT 5 AS level UNION ALL SELECT 8 UNION ALL SELECT 11)
        WHERE is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
        GROUP BY run_pk, key, level, step >> level;
    `,
  },
  {
    version: 3,
    description: 'versioned datasets: content-addressed imports with schema and statistics',
    sql: `
      -- Datasets the user imported, by name. (The datasets table of migration 1 is MLflow's
      -- per-experiment record of what a run logged as input; these are MLDesk's own imports.)
      CREATE TABLE named_datasets (
        dataset_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_time INTEGER NOT NULL
      ) STRICT;

      -- One row per distinct content of a dataset: the bytes live in the data dir under
      -- blobs/sha256/<2 hex>/<62 hex>. Importing the same bytes again finds this row through
      -- UNIQUE (dataset_id, sha256) instead of adding a version. No cascade: runs name versions
      -- in their lineage, so a version must outlive casual deletes.
      CREATE TABLE dataset_versions (
        version_id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES named_datasets(dataset_id),
        version INTEGER NOT NULL CHECK (version >= 1),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        format TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
        row_count INTEGER NOT NULL CHECK (row_count >= 0),
        byte_size INTEGER NOT NULL CHECK (byte_size >= 0),
        schema_json TEXT NOT NULL,
        stats_json TEXT NOT NULL,
        original_file_name TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        UNIQUE (dataset_id, version),
        UNIQUE (dataset_id, sha256)
      ) STRICT;
      CREATE INDEX dataset_versions_by_sha256 ON dataset_versions(sha256);
    `,
  },
  {
    version: 4,
    description: 'model registry: registered models, versions, tags, aliases, reviews and the alias audit trail',
    sql: `
      -- next_version only grows: MLflow never reuses a version number, even after a delete.
      CREATE TABLE registered_models (
        model_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (name <> ''),
        description TEXT NOT NULL DEFAULT '',
        next_version INTEGER NOT NULL DEFAULT 1,
        creation_timestamp INTEGER NOT NULL,
        last_updated_timestamp INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE registered_model_tags (
        model_id INTEGER NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (model_id, key)
      ) STRICT, WITHOUT ROWID;

      -- run_id is nullable (a version may come from outside any run); a run is only ever
      -- soft-deleted, so the reference stays valid.
      CREATE TABLE model_versions (
        version_pk INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
        version INTEGER NOT NULL CHECK (version >= 1),
        source TEXT NOT NULL,
        run_id TEXT REFERENCES runs(run_uuid) ON DELETE SET NULL,
        run_link TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'READY' CHECK (status IN ('PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY')),
        current_stage TEXT NOT NULL DEFAULT 'None' CHECK (current_stage IN ('None', 'Staging', 'Production', 'Archived')),
        creation_timestamp INTEGER NOT NULL,
        last_updated_timestamp INTEGER NOT NULL,
        UNIQUE (model_id, version)
      ) STRICT;
      CREATE INDEX model_versions_by_run ON model_versions(run_id);

      CREATE TABLE model_version_tags (
        version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (version_pk, key)
      ) STRICT, WITHOUT ROWID;

      -- Deleting a version removes the aliases pointing at it, as in MLflow.
      CREATE TABLE registered_model_aliases (
        model_id INTEGER NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (model_id, alias),
        FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE model_version_reviews (
        review_pk INTEGER PRIMARY KEY,
        version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk) ON DELETE CASCADE,
        reviewer TEXT NOT NULL CHECK (reviewer <> ''),
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        comment TEXT NOT NULL DEFAULT '',
        gates_json TEXT CHECK (gates_json IS NULL OR json_valid(gates_json)),
        created_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX model_version_reviews_by_version ON model_version_reviews(version_pk, created_time);

      -- Who moved which alias, when and why. The trail outlives a deleted model (model_id becomes
      -- NULL) and keeps the model's name as it was at the time.
      CREATE TABLE alias_audit (
        audit_pk INTEGER PRIMARY KEY,
        model_id INTEGER REFERENCES registered_models(model_id) ON DELETE SET NULL,
        model_name TEXT NOT NULL,
        alias TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        created_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX alias_audit_by_model ON alias_audit(model_id, audit_pk);
    `,
  },
  {
    version: 5,
    description: 'prediction log: every scored row with its model version, ground-truth feedback joined by request id, and a registry change counter',
    sql: `
      -- One row per scored input row. The model is named as it was served (name, version) and tied
      -- to the run that trained it, so monitoring can follow run -> datasets. Inputs and outputs are
      -- JSON as sent and answered; the label or value is kept apart for filters and quality joins.
      CREATE TABLE predictions (
        prediction_pk INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE,
        model_name TEXT NOT NULL,
        model_version INTEGER NOT NULL,
        run_id TEXT,
        inputs_json TEXT NOT NULL CHECK (json_valid(inputs_json)),
        output_json TEXT NOT NULL CHECK (json_valid(output_json)),
        predicted_label TEXT,
        predicted_value REAL,
        latency_us INTEGER NOT NULL CHECK (latency_us >= 0),
        endpoint TEXT NOT NULL,
        created_time INTEGER NOT NULL
      ) STRICT;
      -- Few indexes, each growing at its end (request ids are time-ordered UUIDv7): the server
      -- writes every row before answering, so each index is paid for on the request path.
      -- Time ranges follow prediction_pk order closely enough to be read from these.
      CREATE INDEX predictions_by_model ON predictions(model_name, prediction_pk);
      CREATE INDEX predictions_by_model_version ON predictions(model_name, model_version, prediction_pk);

      -- A counter every registry change bumps (by triggers, so from any process): a model server
      -- reads this one row per event-loop turn to know whether its cached alias lookups still hold.
      CREATE TABLE registry_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL) STRICT;
      INSERT INTO registry_state (id, generation) VALUES (1, 0);
      CREATE TRIGGER registry_models_changed AFTER UPDATE ON registered_models BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_models_deleted AFTER DELETE ON registered_models BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_versions_added AFTER INSERT ON model_versions BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_versions_deleted AFTER DELETE ON model_versions BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_aliases_added AFTER INSERT ON registered_model_aliases BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_aliases_changed AFTER UPDATE ON registered_model_aliases BEGIN UPDATE registry_state SET generation = generation + 1; END;
      CREATE TRIGGER registry_aliases_deleted AFTER DELETE ON registered_model_aliases BEGIN UPDATE registry_state SET generation = generation + 1; END;

      -- Ground truth arrives later, by request id; a second label for the same row replaces the first.
      CREATE TABLE prediction_feedback (
        prediction_pk INTEGER PRIMARY KEY REFERENCES predictions(prediction_pk) ON DELETE CASCADE,
        actual_label TEXT,
        actual_value REAL,
        created_time INTEGER NOT NULL,
        CHECK ((actual_label IS NULL) <> (actual_value IS NULL))
      ) STRICT;
    `,
  },
  {
    version: 6,
    description: 'prediction journals: how far each model server\'s journal has been moved into predictions',
    sql: `
      -- A model server appends every scored row to its journal file (prediction-journal/ beside
      -- this database) before answering, and a writer thread moves the rows into predictions.
      -- Each move records here, in the same transaction, how many bytes of the journal it has
      -- taken, so a restart or a replay after a crash goes on from there.
      CREATE TABLE prediction_journals (
        journal TEXT PRIMARY KEY,
        ingested_bytes INTEGER NOT NULL CHECK (ingested_bytes >= 0),
        ingested_rows INTEGER NOT NULL CHECK (ingested_rows >= 0),
        updated_time INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    description: 'registry identities: reviews and alias moves record the authenticated caller beside the name given; version creators; the four-eyes setting',
    sql: `
      -- reviewer_identity / actor_identity: who the server authenticated (a token's name; the OS user
      -- for the app, the CLI and a token-less loopback server). *_display: a name the caller typed,
      -- shown only. Rows from before kept a self-attested name alone: it becomes their display name and
      -- their identity is unknown (NULL), which the four-eyes rule never counts as another person.
      CREATE TABLE model_version_reviews_v7 (
        review_pk INTEGER PRIMARY KEY,
        version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk) ON DELETE CASCADE,
        reviewer_identity TEXT CHECK (reviewer_identity <> ''),
        reviewer_display TEXT NOT NULL DEFAULT '',
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        comment TEXT NOT NULL DEFAULT '',
        gates_json TEXT CHECK (gates_json IS NULL OR json_valid(gates_json)),
        created_time INTEGER NOT NULL
      ) STRICT;
      INSERT INTO model_version_reviews_v7 (review_pk, version_pk, reviewer_identity, reviewer_display, decision, comment, gates_json, created_time)
        SELECT review_pk, version_pk, NULL, reviewer, decision, comment, gates_json, created_time FROM model_version_reviews;
      DROP TABLE model_version_reviews;
      ALTER TABLE model_version_reviews_v7 RENAME TO model_version_reviews;
      CREATE INDEX model_version_reviews_by_version ON model_version_reviews(version_pk, created_time);

      CREATE TABLE alias_audit_v7 (
        audit_pk INTEGER PRIMARY KEY,
        model_id INTEGER REFERENCES registered_models(model_id) ON DELETE SET NULL,
        model_name TEXT NOT NULL,
        alias TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER,
        actor_identity TEXT CHECK (actor_identity <> ''),
        actor_display TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        created_time INTEGER NOT NULL
      ) STRICT;
      INSERT INTO alias_audit_v7 (audit_pk, model_id, model_name, alias, from_version, to_version, actor_identity, actor_display, reason, created_time)
        SELECT audit_pk, model_id, model_name, alias, from_version, to_version, NULL, actor, reason, created_time FROM alias_audit;
      DROP TABLE alias_audit;
      ALTER TABLE alias_audit_v7 RENAME TO alias_audit;
      CREATE INDEX alias_audit_by_model ON alias_audit(model_id, audit_pk);

      -- Who registered the version (authenticated as above); NULL for versions registered before.
      ALTER TABLE model_versions ADD COLUMN creator_identity TEXT;

      -- One row of registry-wide settings. four_eyes: a version's approval counts towards champion
      -- only when its reviewer is not one of the version's authors.
      CREATE TABLE registry_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        four_eyes INTEGER NOT NULL CHECK (four_eyes IN (0, 1)),
        updated_by TEXT,
        updated_time INTEGER
      ) STRICT;
      INSERT INTO registry_settings (id, four_eyes) VALUES (1, 0);
    `,
  },
  {
    version: 8,
    description: 'metric block queue: block summaries of logged points folded after the request that logged them',
    sql: `
      -- The tracking server commits a log-batch's new finite points here (one row per batch, the
      -- points as a JSON array [key, step, timestamp, value, ...]) together with the points
      -- themselves, and folds them into metric_blocks off the request path; readers of
      -- metric_blocks fold a run's queued rows before reading (see metric-blocks.ts).
      CREATE TABLE metric_block_queue (
        seq INTEGER PRIMARY KEY,
        run_pk INTEGER NOT NULL REFERENCES runs(run_pk) ON DELETE CASCADE,
        points TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 9,
    description: 'prediction refusals: the requests a model server refused (bad bodies, signature errors), the newest few per model',
    sql: `
      -- What a caller sent and why it was refused, so the app can show refusals and not only a
      -- counter. Model servers write them in small batches and keep the newest rows per model.
      CREATE TABLE prediction_refusals (
        refusal_pk INTEGER PRIMARY KEY,
        model_name TEXT NOT NULL,
        -- The version the rows were checked against; NULL when the request failed before one was chosen.
        model_version INTEGER,
        endpoint TEXT NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT NOT NULL,
        reason TEXT NOT NULL,
        -- The offending row as JSON when the reason names one, else the start of the body as sent.
        input TEXT NOT NULL,
        created_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX prediction_refusals_by_model ON prediction_refusals(model_name, refusal_pk);
    `,
  },
  {
    version: 10,
    description: 'prediction feedback history: every ground truth sent for a prediction, not only the latest',
    sql: `
      -- prediction_feedback keeps the truth that counts (the latest); a correction replaces it
      -- there, and this table keeps every one sent, for the prediction's detail view.
      CREATE TABLE prediction_feedback_history (
        prediction_pk INTEGER NOT NULL REFERENCES predictions(prediction_pk) ON DELETE CASCADE,
        actual_label TEXT,
        actual_value REAL,
        created_time INTEGER NOT NULL,
        CHECK ((actual_label IS NULL) <> (actual_value IS NULL))
      ) STRICT;
      CREATE INDEX prediction_feedback_history_by_prediction ON prediction_feedback_history(prediction_pk, created_time);
      INSERT INTO prediction_feedback_history (prediction_pk, actual_label, actual_value, created_time)
        SELECT prediction_pk, actual_label, actual_value, created_time FROM prediction_feedback;
    `,
  },
  {
    version: 11,
    description: 'metric queue: the tracking server queues whole points, stored in metrics by a later fold',
    sql: `
      -- Rows queued from now on (stored = 0) hold every point of a log-batch, NaN and infinities
      -- as strings, not yet in metrics or latest_metrics; the fold stores them there and in
      -- metric_blocks, and readers of those tables fold a run's rows first (see metric-queue.ts).
      -- Rows queued by version 8 (stored = 1) hold points already stored, for their blocks only.
      ALTER TABLE metric_block_queue ADD COLUMN stored INTEGER NOT NULL DEFAULT 1 CHECK (stored IN (0, 1));
      -- Readers fold one run's rows; without this they would scan the whole queue to find them.
      CREATE INDEX metric_block_queue_by_run ON metric_block_queue(run_pk, seq);
    `,
  },
  {
    version: 12,
    description: 'run data version: a per-run counter bumped with every change runs/search shows, so cached run documents know when they are stale',
    sql: `
      -- Bumped in the transaction of every change to what runs/search answers for the run (info,
      -- params, tags, latest metrics, dataset inputs), by whichever process writes: a cached JSON
      -- document of the run (run-json.ts) is good while its version is the row's. Triggers bump it
      -- for every table but latest_metrics: a 1,000-key log-batch would fire a trigger 1,000 times
      -- (0.4 to 1.2 ms measured), so its one writer (metric-points.ts) bumps once per run and transaction.
      ALTER TABLE runs ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER run_info_changed AFTER UPDATE OF run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri ON runs
        BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = NEW.run_pk; END;
      CREATE TRIGGER run_params_added AFTER INSERT ON params BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = NEW.run_pk; END;
      CREATE TRIGGER run_params_changed AFTER UPDATE ON params BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk IN (OLD.run_pk, NEW.run_pk); END;
      CREATE TRIGGER run_params_deleted AFTER DELETE ON params BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = OLD.run_pk; END;
      CREATE TRIGGER run_tags_added AFTER INSERT ON tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = NEW.run_pk; END;
      CREATE TRIGGER run_tags_changed AFTER UPDATE ON tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk IN (OLD.run_pk, NEW.run_pk); END;
      CREATE TRIGGER run_tags_deleted AFTER DELETE ON tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = OLD.run_pk; END;
      CREATE TRIGGER run_latest_metrics_deleted AFTER DELETE ON latest_metrics BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = OLD.run_pk; END;
      CREATE TRIGGER run_inputs_added AFTER INSERT ON run_inputs BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = NEW.run_pk; END;
      CREATE TRIGGER run_inputs_deleted AFTER DELETE ON run_inputs BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = OLD.run_pk; END;
      CREATE TRIGGER run_input_tags_added AFTER INSERT ON run_input_tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = NEW.run_pk; END;
      CREATE TRIGGER run_input_tags_changed AFTER UPDATE ON run_input_tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk IN (OLD.run_pk, NEW.run_pk); END;
      CREATE TRIGGER run_input_tags_deleted AFTER DELETE ON run_input_tags BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk = OLD.run_pk; END;
      -- A dataset is shared by the runs of an experiment that logged it.
      CREATE TRIGGER run_datasets_changed AFTER UPDATE ON datasets
        BEGIN UPDATE runs SET data_version = data_version + 1 WHERE run_pk IN (SELECT run_pk FROM run_inputs WHERE dataset_pk = NEW.dataset_pk); END;
    `,
  },
  MONITORING_MIGRATION,
  QUALITY_TESTS_MIGRATION,
  ALERTS_MIGRATION,
  BUNDLES_MIGRATION,
  PREDICTION_SUMMARY_MIGRATION,
  REVIEWS_MIGRATION,
  JOBS_MIGRATION,
  SWEEPS_MIGRATION,
  PIPELINES_MIGRATION,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
