import { randomUUID } from 'node:crypto';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { SweepSpecSchema, type SweepSpec, type SweepTrial, type SweepTrialState } from '../../../../shared/automation.js';
import type { SweepDecision, SweepDetail, SweepSummary } from '../../../../shared/app-api/sweeps.js';
import { notFound } from '../../errors.js';
import type { PruneDecision } from './pruners.js';
import { bestSoFar, parameterImportance } from './sweep-analysis.js';
import type { TrialParams } from './search-space.js';

type SweepState = SweepSummary['state'];

interface SweepRow {
  sweep_id: string;
  name: string;
  spec_json: string;
  run_uuid: string;
  experiment_id: string;
  job_id: string | null;
  state: SweepState;
  parallel: number;
  best_trial: number | null;
  reason: string | null;
  created_time: number;
  end_time: number | null;
}

interface TrialRow {
  sweep_id: string;
  number: number;
  job_id: string | null;
  run_uuid: string | null;
  state: SweepTrialState;
  params_json: string;
  value: number | null;
  step: number | null;
  reason: string | null;
  pruned_at_step: number | null;
  last_report_time: number | null;
  created_time: number;
  end_time: number | null;
}

export type StoredTrial = SweepTrial & { createdAt: number; endedAt: number | null; lastReportAt: number | null };

export interface TrialPatch {
  state?: SweepTrialState;
  jobId?: string | null;
  runId?: string | null;
  value?: number | null;
  step?: number | null;
  reason?: string | null;
  prunedAtStep?: number | null;
  lastReportAt?: number | null;
  endedAt?: number | null;
}

const TRIAL_COLUMNS: Record<keyof TrialPatch, string> = {
  state: 'state',
  jobId: 'job_id',
  runId: 'run_uuid',
  value: 'value',
  step: 'step',
  reason: 'reason',
  prunedAtStep: 'pruned_at_step',
  lastReportAt: 'last_report_time',
  endedAt: 'end_time',
};

function toTrial(row: TrialRow): StoredTrial {
  return {
    sweepId: row.sweep_id,
    number: row.number,
    jobId: row.job_id,
    runId: row.run_uuid,
    state: row.state,
    parameters: JSON.parse(row.params_json) as TrialParams,
    value: row.value,
    step: row.step,
    reason: row.reason,
    prunedAtStep: row.pruned_at_step,
    createdAt: row.created_time,
    endedAt: row.end_time,
    lastReportAt: row.last_report_time,
  };
}

/** The sweeps tables (migration 20): sweeps, their trials and every early-stopping decision. */
export class SweepStore {
  constructor(private readonly db: SqliteDatabase) {}

  create(input: { name: string; spec: SweepSpec; runId: string; experimentId: string; jobId: string | null; parallel: number }): string {
    const id = randomUUID().replaceAll('-', '');
    this.db
      .prepare(
        `INSERT INTO sweeps (sweep_id, name, spec_json, run_uuid, experiment_id, job_id, state, parallel, created_time)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      )
      .run(id, input.name, JSON.stringify(input.spec), input.runId, input.experimentId, input.jobId, input.parallel, Date.now());
    return id;
  }

  finish(id: string, state: Exclude<SweepState, 'running'>, reason: string | null): void {
    this.db.prepare(`UPDATE sweeps SET state = ?, reason = ?, end_time = ? WHERE sweep_id = ? AND state = 'running'`).run(state, reason, Date.now(), id);
  }

  setBest(id: string, trial: number | null): void {
    this.db.prepare('UPDATE sweeps SET best_trial = ? WHERE sweep_id = ?').run(trial, id);
  }

  addTrial(sweepId: string, number: number, params: TrialParams, patch: TrialPatch = {}): void {
    this.db
      .prepare(`INSERT INTO sweep_trials (sweep_id, number, state, params_json, created_time) VALUES (?, ?, 'queued', ?, ?)`)
      .run(sweepId, number, JSON.stringify(params), Date.now());
    this.updateTrial(sweepId, number, patch);
  }

  updateTrial(sweepId: string, number: number, patch: TrialPatch): void {
    const keys = (Object.keys(patch) as Array<keyof TrialPatch>).filter((key) => patch[key] !== undefined);
    if (keys.length === 0) return;
    const sets = keys.map((key) => `${TRIAL_COLUMNS[key]} = ?`).join(', ');
    this.db.prepare(`UPDATE sweep_trials SET ${sets} WHERE sweep_id = ? AND number = ?`).run(...keys.map((key) => patch[key] ?? null), sweepId, number);
  }

  addDecision(sweepId: string, decision: PruneDecision): void {
    this.db
      .prepare('INSERT INTO sweep_decisions (sweep_id, trial, step, value, decision, detail, decided_time) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(sweepId, decision.trial, decision.step, decision.value, decision.decision, decision.detail, Date.now());
  }

  trials(sweepId: string): StoredTrial[] {
    return (this.db.prepare('SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY number').all(sweepId) as TrialRow[]).map(toTrial);
  }

  decisions(sweepId: string, limit = 500): SweepDecision[] {
    const rows = this.db
      .prepare('SELECT trial, step, value, decision, detail, decided_time FROM sweep_decisions WHERE sweep_id = ? ORDER BY decided_time DESC, rowid DESC LIMIT ?')
      .all(sweepId, limit) as Array<{ trial: number; step: number; value: number; decision: 'continue' | 'prune'; detail: string; decided_time: number }>;
    return rows.map((row) => ({ trial: row.trial, step: row.step, value: row.value, decision: row.decision, detail: row.detail, time: row.decided_time }));
  }

  private row(id: string): SweepRow {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE sweep_id = ?').get(id) as SweepRow | undefined;
    if (!row) throw notFound(`No sweep with id '${id}'.`);
    return row;
  }

  private summary(row: SweepRow, trials: StoredTrial[]): SweepSummary {
    const spec = SweepSpecSchema.parse(JSON.parse(row.spec_json));
    const counts: Record<string, number> = {};
    for (const trial of trials) counts[trial.state] = (counts[trial.state] ?? 0) + 1;
    const best = row.best_trial === null ? undefined : trials.find((trial) => trial.number === row.best_trial);
    const early = spec.early_terminate;
    return {
      id: row.sweep_id,
      name: row.name,
      state: row.state,
      method: spec.method,
      metric: spec.metric,
      earlyTerminate: early ? `${early.type} (min_iter ${early.min_iter}${early.type === 'asha' ? `, eta ${early.eta}` : ''})` : null,
      parallel: row.parallel,
      runId: row.run_uuid,
      experimentId: row.experiment_id,
      jobId: row.job_id,
      bestTrial: row.best_trial,
      bestValue: best?.value ?? null,
      counts,
      reason: row.reason,
      createdAt: row.created_time,
      endedAt: row.end_time,
    };
  }

  get(id: string): SweepSummary {
    const row = this.row(id);
    return this.summary(row, this.trials(id));
  }

  detail(id: string): SweepDetail {
    const row = this.row(id);
    const trials = this.trials(id);
    const summary = this.summary(row, trials);
    const spec = SweepSpecSchema.parse(JSON.parse(row.spec_json));
    return {
      ...summary,
      spec,
      trials: trials.map(({ lastReportAt: _lastReportAt, ...trial }) => trial),
      decisions: this.decisions(id),
      bestSoFar: bestSoFar(trials, spec.metric.goal),
      importance: parameterImportance(trials, Object.keys(spec.parameters)),
    };
  }

  list(limit = 100): SweepSummary[] {
    const rows = this.db.prepare('SELECT * FROM sweeps ORDER BY created_time DESC, rowid DESC LIMIT ?').all(limit) as SweepRow[];
    return rows.map((row) => this.summary(row, this.trials(row.sweep_id)));
  }

  /** Ends a sweep nobody drives any more, with its open trials, in one transaction. */
  abandon(id: string, reason: string): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE sweep_trials SET state = 'cancelled', reason = ?, end_time = ? WHERE sweep_id = ? AND state IN ('queued', 'running')`)
        .run(reason, now, id);
      this.db.prepare(`UPDATE sweeps SET state = 'failed', reason = ?, end_time = ? WHERE sweep_id = ? AND state = 'running'`).run(reason, now, id);
    })();
  }

  /** Sweeps left 'running' by a process that is gone (the app closed mid-sweep): their controller died with it. */
  running(): string[] {
    return (this.db.prepare(`SELECT sweep_id FROM sweeps WHERE state = 'running'`).all() as Array<{ sweep_id: string }>).map((row) => row.sweep_id);
  }
}
