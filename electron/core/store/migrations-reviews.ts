import type { Migration } from './migrations.js';

/** Review files imported from reviewers (issue 14). Not shipped yet while issue 14 is open; after that, never edit it. */
export const REVIEWS_MIGRATION: Migration = {
  version: 18,
  description: 'review files: imported reviews, their comments on runs, metrics, artifacts and model versions, and their version decisions',
  sql: `
    -- One row per review file imported (its archive_imports row, kind 'review'). The reviewer is
    -- the signing key; the name is what the reviewer called themselves (shown as unverified unless
    -- the key is in trusted_keys, looked up when shown: trusting a key later applies to old reviews).
    CREATE TABLE review_files (
      import_pk INTEGER PRIMARY KEY REFERENCES archive_imports(import_pk) ON DELETE CASCADE,
      bundle_manifest_sha256 TEXT NOT NULL,
      reviewer_fingerprint TEXT NOT NULL,
      reviewer_public_key TEXT NOT NULL,
      reviewer_display TEXT NOT NULL,
      decision TEXT NOT NULL CHECK (decision IN ('approve', 'request_changes', 'comment')),
      reviewed_time INTEGER NOT NULL
    ) STRICT;

    -- A comment keeps its target as the review named it; model_version is this store's version
    -- (matched by model name and run), NULL when it is not in this store.
    CREATE TABLE review_comments (
      comment_pk INTEGER PRIMARY KEY,
      import_pk INTEGER NOT NULL REFERENCES review_files(import_pk) ON DELETE CASCADE,
      ordinal INTEGER NOT NULL,
      target_kind TEXT NOT NULL CHECK (target_kind IN ('run', 'metric', 'artifact', 'version')),
      run_uuid TEXT,
      metric_key TEXT,
      metric_step INTEGER,
      artifact_path TEXT,
      model_name TEXT,
      model_version INTEGER,
      body TEXT NOT NULL,
      created_time INTEGER NOT NULL,
      UNIQUE (import_pk, ordinal)
    ) STRICT;
    CREATE INDEX review_comments_by_run ON review_comments(run_uuid) WHERE run_uuid IS NOT NULL;
    CREATE INDEX review_comments_by_version ON review_comments(model_name, model_version) WHERE model_name IS NOT NULL;

    -- A reviewer's approve / request-changes on a version (model_version: this store's, NULL when
    -- it is not here). review_pk is the model_version_reviews
    -- row it became: only when the key was trusted at an import (not counted otherwise).
    CREATE TABLE review_version_decisions (
      import_pk INTEGER NOT NULL REFERENCES review_files(import_pk) ON DELETE CASCADE,
      model_name TEXT NOT NULL,
      model_version INTEGER,
      bundle_version INTEGER NOT NULL,
      run_uuid TEXT,
      decision TEXT NOT NULL CHECK (decision IN ('approve', 'request_changes')),
      review_pk INTEGER REFERENCES model_version_reviews(review_pk) ON DELETE SET NULL,
      PRIMARY KEY (import_pk, model_name, bundle_version)
    ) STRICT;
  `,
};
