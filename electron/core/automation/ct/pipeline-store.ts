/** Pipeline runs and their steps (pipeline_runs, pipeline_steps: migration 21), read as the app shows them. */
import { randomUUID } from 'node:crypto';
import { PIPELINE_STEPS, type CtPolicy, type PipelineState, type PipelineStepName } from '../../../../shared/automation.js';
import type { PipelineRun, PipelineStep, PipelineStepStatus } from '../../../../shared/app-api/pipelines.js';
import { notFound } from '../../errors.js';
import type { SqliteDatabase } from '../../store/database.js';

export interface TriggerInfo {
  type: string;
  /** In words: "alert 3 fired: iris v1: dataset drift (0.75)", "started by hand by alice". */
  detail: string;
}

interface RunRow {
  pipeline_id: string;
  model_name: string;
  trigger_json: string;
  state: PipelineState;
  job_id: string | null;
  champion_version: number | null;
  challenger_version: number | null;
  decision: string | null;
  created_time: number;
  end_time: number | null;
}

interface StepRow {
  ordinal: number;
  step: PipelineStepName;
  job_id: string | null;
  status: PipelineStepStatus;
  detail_json: string;
  start_time: number | null;
  end_time: number | null;
  log_tail: string | null;
}

export class PipelineStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Records a run with every step queued, in one transaction. */
  create(model: string, trigger: TriggerInfo, policy: CtPolicy, jobId: string): string {
    const id = randomUUID().replaceAll('-', '');
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO pipeline_runs (pipeline_id, model_name, trigger_json, policy_json, state, job_id, created_time) VALUES (?, ?, ?, ?, 'running', ?, ?)`)
        .run(id, model, JSON.stringify(trigger), JSON.stringify(policy), jobId, Date.now());
      const step = this.db.prepare(`INSERT INTO pipeline_steps (pipeline_id, ordinal, step, status) VALUES (?, ?, ?, 'queued')`);
      PIPELINE_STEPS.forEach((name, i) => step.run(id, i, name));
    }).immediate();
    return id;
  }

  /** The running run of a model, if any: a model retrains one pipeline at a time. */
  running(model: string): string | null {
    const row = this.db.prepare(`SELECT pipeline_id FROM pipeline_runs WHERE model_name = ? AND state = 'running' ORDER BY created_time DESC LIMIT 1`).get(model) as
      | { pipeline_id: string }
      | undefined;
    return row?.pipeline_id ?? null;
  }

  startStep(id: string, step: PipelineStepName, jobId: string): void {
    this.db
      .prepare(`UPDATE pipeline_steps SET status = 'running', job_id = ?, start_time = ? WHERE pipeline_id = ? AND step = ?`)
      .run(jobId, Date.now(), id, step);
  }

  endStep(id: string, step: PipelineStepName, status: PipelineStepStatus, detail: Record<string, unknown>): void {
    this.db
      .prepare(`UPDATE pipeline_steps SET status = ?, detail_json = ?, end_time = ?, start_time = COALESCE(start_time, ?) WHERE pipeline_id = ? AND step = ?`)
      .run(status, JSON.stringify(detail), Date.now(), Date.now(), id, step);
  }

  setVersions(id: string, versions: { champion?: number; challenger?: number }): void {
    if (versions.champion !== undefined) this.db.prepare('UPDATE pipeline_runs SET champion_version = ? WHERE pipeline_id = ?').run(versions.champion, id);
    if (versions.challenger !== undefined) this.db.prepare('UPDATE pipeline_runs SET challenger_version = ? WHERE pipeline_id = ?').run(versions.challenger, id);
  }

  /** Ends the run; steps never reached are marked skipped. */
  finish(id: string, state: Exclude<PipelineState, 'running'>, decision: string): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE pipeline_runs SET state = ?, decision = ?, end_time = ? WHERE pipeline_id = ?').run(state, decision, now, id);
      this.db.prepare(`UPDATE pipeline_steps SET status = 'skipped', end_time = ? WHERE pipeline_id = ? AND status = 'queued'`).run(now, id);
    }).immediate();
  }

  get(id: string): PipelineRun {
    const row = this.db.prepare('SELECT * FROM pipeline_runs WHERE pipeline_id = ?').get(id) as RunRow | undefined;
    if (!row) throw notFound(`No pipeline run with id '${id}'.`);
    return this.toRun(row);
  }

  list(query: { model?: string; limit?: number } = {}): PipelineRun[] {
    const rows = (
      query.model === undefined
        ? this.db.prepare('SELECT * FROM pipeline_runs ORDER BY created_time DESC, rowid DESC LIMIT ?').all(query.limit ?? 50)
        : this.db.prepare('SELECT * FROM pipeline_runs WHERE model_name = ? ORDER BY created_time DESC, rowid DESC LIMIT ?').all(query.model, query.limit ?? 50)
    ) as RunRow[];
    return rows.map((row) => this.toRun(row));
  }

  private toRun(row: RunRow): PipelineRun {
    const steps = this.db
      .prepare(
        `SELECT s.ordinal, s.step, s.job_id, s.status, s.detail_json, s.start_time, s.end_time, j.log_tail
         FROM pipeline_steps s LEFT JOIN jobs j ON j.job_id = s.job_id WHERE s.pipeline_id = ? ORDER BY s.ordinal`,
      )
      .all(row.pipeline_id) as StepRow[];
    return {
      id: row.pipeline_id,
      model: row.model_name,
      trigger: JSON.parse(row.trigger_json) as TriggerInfo,
      state: row.state,
      jobId: row.job_id,
      championVersion: row.champion_version === null ? null : String(row.champion_version),
      challengerVersion: row.challenger_version === null ? null : String(row.challenger_version),
      decision: row.decision,
      createdTime: row.created_time,
      endTime: row.end_time,
      steps: steps.map(
        (s): PipelineStep => ({
          ordinal: s.ordinal,
          step: s.step,
          status: s.status,
          jobId: s.job_id,
          startTime: s.start_time,
          endTime: s.end_time,
          detail: JSON.parse(s.detail_json) as Record<string, unknown>,
          log: s.log_tail ?? '',
        }),
      ),
    };
  }
}
