import type { Migration } from './migrations.js';

/** Signed archives (issue 14). Not shipped yet while issue 14 is open; after that, never edit it. */
export const BUNDLES_MIGRATION: Migration = {
  version: 16,
  description: 'signed archives: trusted signing keys, and a record of every bundle, review or package imported',
  sql: `
    -- Keys whose signatures this installation trusts, by the name the user gave them.
    CREATE TABLE trusted_keys (
      fingerprint TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      public_key TEXT NOT NULL,
      added_time INTEGER NOT NULL
    ) STRICT;

    -- One row per archive imported, keyed by the SHA-256 of its signed manifest: importing the
    -- same archive again is recognised (and changes nothing).
    CREATE TABLE archive_imports (
      import_pk INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('bundle', 'review', 'package')),
      manifest_sha256 TEXT NOT NULL UNIQUE,
      signer_fingerprint TEXT NOT NULL,
      signer_name TEXT NOT NULL,
      summary_json TEXT NOT NULL CHECK (json_valid(summary_json)),
      imported_time INTEGER NOT NULL
    ) STRICT;
  `,
};
