import type { Migration } from './migrations.js';

/** Sweeps (issue 15). Not shipped yet while issue 15 is open; the sweeps owner may change these tables until then. */
export const SWEEPS_MIGRATION: Migration = {
  version: 20,
  description: 'sweeps: hyperparameter searches, their trials and every early-stopping decision',
  sql: `
    CREATE TABLE sweeps (
      sweep_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      spec_json TEXT NOT NULL,
      -- The parent run the trials are children of, and the job that controls the sweep.
      run_uuid TEXT NOT NULL,
      experiment_id TEXT NOT NULL,
      job_id TEXT REFERENCES jobs(job_id) ON DELETE SET NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'failed', 'cancelled')),
      parallel INTEGER NOT NULL,
      best_trial INTEGER,
      -- Why it ended as it did, in words ("no trial completed", "cancelled from the app").
      reason TEXT,
      created_time INTEGER NOT NULL,
      end_time INTEGER
    ) STRICT;

    CREATE TABLE sweep_trials (
      sweep_id TEXT NOT NULL REFERENCES sweeps(sweep_id) ON DELETE CASCADE,
      number INTEGER NOT NULL,
      job_id TEXT REFERENCES jobs(job_id) ON DELETE SET NULL,
      run_uuid TEXT,
      state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'pruned', 'failed', 'stale', 'cancelled')),
      params_json TEXT NOT NULL,
      value REAL,
      step INTEGER,
      reason TEXT,
      pruned_at_step INTEGER,
      -- When the objective was last reported (or the trial started): the stale clock.
      last_report_time INTEGER,
      created_time INTEGER NOT NULL,
      end_time INTEGER,
      PRIMARY KEY (sweep_id, number)
    ) STRICT;

    -- Every decision the early-stopping rule took, kept or pruned, with the numbers it compared.
    CREATE TABLE sweep_decisions (
      sweep_id TEXT NOT NULL REFERENCES sweeps(sweep_id) ON DELETE CASCADE,
      trial INTEGER NOT NULL,
      step INTEGER NOT NULL,
      value REAL NOT NULL,
      decision TEXT NOT NULL CHECK (decision IN ('continue', 'prune')),
      detail TEXT NOT NULL,
      decided_time INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sweeps_by_time ON sweeps(created_time);
    CREATE INDEX sweep_decisions_by_trial ON sweep_decisions(sweep_id, trial, step);
  `,
};
