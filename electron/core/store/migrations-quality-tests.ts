import type { Migration } from './migrations.js';

/** Quality tests on demand (issue 13). Not shipped yet while issue 13 is open; after that, never edit it. */
export const QUALITY_TESTS_MIGRATION: Migration = {
  version: 14,
  description: 'quality tests: a model version evaluated on a dataset version, with its lineage and training-data overlap',
  sql: `
    CREATE TABLE quality_tests (
      test_pk INTEGER PRIMARY KEY,
      version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk) ON DELETE CASCADE,
      dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(version_id),
      dataset_ref TEXT NOT NULL,
      dataset_sha256 TEXT NOT NULL,
      -- The dataset version the model was trained on (lineage), as it was when tested; NULL when
      -- lineage names none (a model logged from elsewhere): then no overlap could be checked.
      training_ref TEXT,
      training_sha256 TEXT,
      result_json TEXT NOT NULL CHECK (json_valid(result_json)),
      -- Rows of the evaluated data whose hash (features and label) is also a training row's.
      overlap_rows INTEGER NOT NULL CHECK (overlap_rows >= 0),
      created_time INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX quality_tests_by_version ON quality_tests(version_pk, created_time);
  `,
};
