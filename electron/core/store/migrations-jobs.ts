import type { Migration } from './migrations.js';

/** Jobs (issue 15). Not shipped yet while issue 15 is open; after that, never edit it. */
export const JOBS_MIGRATION: Migration = {
  version: 19,
  description: 'jobs: every training, evaluation, sweep trial and pipeline step, with attempts, exit code and log tail, surviving restarts',
  sql: `
    CREATE TABLE jobs (
      job_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('project', 'train', 'reproduce', 'trial', 'sweep', 'evaluate', 'pipeline', 'pipeline_step', 'command')),
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      name TEXT NOT NULL,
      executor TEXT NOT NULL CHECK (executor IN ('local', 'bullmq', 'inline')),
      spec_json TEXT NOT NULL,
      parent_id TEXT REFERENCES jobs(job_id) ON DELETE CASCADE,
      run_uuid TEXT,
      experiment_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL DEFAULT 1,
      backoff_ms INTEGER NOT NULL DEFAULT 1000,
      worker_id TEXT,
      pid INTEGER,
      exit_code INTEGER,
      reason TEXT,
      log_tail TEXT NOT NULL DEFAULT '',
      created_time INTEGER NOT NULL,
      start_time INTEGER,
      end_time INTEGER,
      heartbeat_time INTEGER,
      not_before INTEGER,
      -- Which process owns a running local job (its pid and boot id), so a restart can tell a job
      -- whose process died while the app was closed from one another live process still runs.
      owner TEXT,
      -- The job process's own identity (host:pid:start time), so recovery kills an orphaned tree
      -- only when that pid still names the same process, never an unrelated one that reused it.
      pid_identity TEXT
    ) STRICT;
    CREATE INDEX jobs_by_status ON jobs(status, created_time);
    CREATE INDEX jobs_by_parent ON jobs(parent_id, created_time) WHERE parent_id IS NOT NULL;
    CREATE INDEX jobs_by_run ON jobs(run_uuid) WHERE run_uuid IS NOT NULL;
  `,
};
