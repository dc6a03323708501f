import { randomUUID } from 'node:crypto';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import {
  JobSpecSchema,
  LOG_TAIL_BYTES,
  isTerminalJobStatus,
  type ExecutorKind,
  type Job,
  type JobKind,
  type JobSpecInput,
  type JobStatus,
} from '../../../shared/automation.js';
import { MLDeskError } from '../errors.js';

interface JobRow {
  job_id: string;
  kind: JobKind;
  status: JobStatus;
  name: string;
  executor: ExecutorKind;
  spec_json: string;
  parent_id: string | null;
  run_uuid: string | null;
  experiment_id: string | null;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  worker_id: string | null;
  pid: number | null;
  exit_code: number | null;
  reason: string | null;
  log_tail: string;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  heartbeat_time: number | null;
  not_before: number | null;
  owner: string | null;
  pid_identity: string | null;
}

/** A running job as restart recovery sees it. */
export interface RunningJobOwner {
  id: string;
  executor: ExecutorKind;
  owner: string | null;
  pid: number | null;
  pidIdentity: string | null;
  runId: string | null;
}

export interface NewJob {
  kind: JobKind;
  name: string;
  executor: ExecutorKind;
  spec: JobSpecInput;
  parentId?: string | null;
  runId?: string | null;
  experimentId?: string | null;
  maxAttempts?: number;
  backoffMs?: number;
}

export interface JobListQuery {
  status?: JobStatus[];
  parentId?: string | null;
  kind?: JobKind[];
  limit?: number;
}

/** A change to a job, for whoever shows jobs live (the jobs page, sweep and pipeline controllers). */
export type JobListener = (job: Job) => void;

/**
 * Specs are validated when a job is created; a row's spec is parsed again on every read, and the
 * same few specs are read over and over (a sweep's trials, a job's every status change), so the
 * parsed spec is kept by its JSON text. Parsed specs are frozen: callers share them.
 */
const parsedSpecs = new Map<string, Job['spec']>();
const PARSED_SPECS_KEPT = 256;

function parseSpec(json: string): Job['spec'] {
  let spec = parsedSpecs.get(json);
  if (spec) return spec;
  spec = deepFreeze(JobSpecSchema.parse(JSON.parse(json)));
  if (parsedSpecs.size >= PARSED_SPECS_KEPT) parsedSpecs.delete(parsedSpecs.keys().next().value as string);
  parsedSpecs.set(json, spec);
  return spec;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function toJob(row: JobRow): Job {
  return {
    id: row.job_id,
    kind: row.kind,
    status: row.status,
    name: row.name,
    executor: row.executor,
    spec: parseSpec(row.spec_json),
    parentId: row.parent_id,
    runId: row.run_uuid,
    experimentId: row.experiment_id,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    backoffMs: row.backoff_ms,
    workerId: row.worker_id,
    pid: row.pid,
    exitCode: row.exit_code,
    reason: row.reason,
    logTail: row.log_tail,
    createdAt: row.created_time,
    startedAt: row.start_time,
    endedAt: row.end_time,
    heartbeatAt: row.heartbeat_time,
    notBefore: row.not_before,
  };
}

/** Keeps the last LOG_TAIL_BYTES of output, cut at a line start when one is near. */
export function appendTail(tail: string, chunk: string): string {
  const joined = tail + chunk;
  if (joined.length <= LOG_TAIL_BYTES) return joined;
  const cut = joined.slice(joined.length - LOG_TAIL_BYTES);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < 200 ? cut.slice(newline + 1) : cut;
}

/**
 * The jobs table (migration 19). Status moves only forward: queued → running → a terminal status,
 * or running → queued for a retry; a terminal job never changes again, so a late report from a
 * killed process cannot resurrect a cancelled job. Every change is announced to listeners.
 */
export class JobStore {
  private readonly listeners = new Set<JobListener>();
  /** Prepared once: a job's life runs the same few statements many times (a no-op trial pays for each). */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      // Lists and pages build their SQL from the filter; keep the cache bounded all the same.
      if (this.statements.size >= 200) this.statements.clear();
      this.statements.set(text, statement);
    }
    return statement;
  }

  onChange(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(id: string): Job {
    return this.notify(this.get(id));
  }

  /**
   * Announces the row a write returned (`RETURNING *`): a job's every change used to be an UPDATE and
   * then a SELECT of the same row, two statements where one does (a no-op trial pays for each). No
   * row (the write matched none): the job as it stands, or the not-found error.
   */
  private announceRow(row: JobRow | undefined, id: string): Job {
    return row ? this.notify(toJob(row)) : this.announce(id);
  }

  private notify(job: Job): Job {
    for (const listener of this.listeners) listener(job);
    return job;
  }

  create(input: NewJob): Job {
    const spec = JobSpecSchema.parse(input.spec);
    const id = randomUUID().replaceAll('-', '');
    const runId = input.runId ?? ('runId' in spec ? (spec.runId ?? null) : null);
    const experimentId = input.experimentId ?? (spec.type === 'project' ? spec.experimentId : null);
    const row = this.sql(
        `INSERT INTO jobs (job_id, kind, status, name, executor, spec_json, parent_id, run_uuid, experiment_id, max_attempts, backoff_ms, created_time)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(id, input.kind, input.name, input.executor, JSON.stringify(spec), input.parentId ?? null, runId, experimentId, input.maxAttempts ?? 1, input.backoffMs ?? 1000, Date.now()) as JobRow;
    return this.announceRow(row, id);
  }

  get(id: string): Job {
    const row = this.sql('SELECT * FROM jobs WHERE job_id = ?').get(id) as JobRow | undefined;
    if (!row) throw new MLDeskError('RESOURCE_DOES_NOT_EXIST', `No job with id '${id}'.`);
    return toJob(row);
  }

  list(query: JobListQuery = {}): Job[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.status?.length) {
      where.push(`status IN (${query.status.map(() => '?').join(', ')})`);
      args.push(...query.status);
    }
    if (query.kind?.length) {
      where.push(`kind IN (${query.kind.map(() => '?').join(', ')})`);
      args.push(...query.kind);
    }
    if (query.parentId !== undefined) {
      where.push(query.parentId === null ? 'parent_id IS NULL' : 'parent_id = ?');
      if (query.parentId !== null) args.push(query.parentId);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_time DESC, rowid DESC LIMIT ?`;
    return (this.sql(sql).all(...args, query.limit ?? 500) as JobRow[]).map(toJob);
  }

  /**
   * A page of jobs, newest first, after `pageToken` ("createdAt:id" of the last row shown), with
   * the count of each status over the same filter (kind, parent) for the page's status chips.
   */
  page(query: JobListQuery & { pageToken?: string }): { jobs: Job[]; nextPageToken: string | null; counts: Record<JobStatus, number> } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.kind?.length) {
      where.push(`kind IN (${query.kind.map(() => '?').join(', ')})`);
      args.push(...query.kind);
    }
    if (query.parentId !== undefined) {
      where.push(query.parentId === null ? 'parent_id IS NULL' : 'parent_id = ?');
      if (query.parentId !== null) args.push(query.parentId);
    }
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    const countSql = `SELECT status, COUNT(*) AS n FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY status`;
    for (const row of this.sql(countSql).all(...args) as Array<{ status: JobStatus; n: number }>) counts[row.status] = row.n;
    if (query.status?.length) {
      where.push(`status IN (${query.status.map(() => '?').join(', ')})`);
      args.push(...query.status);
    }
    if (query.pageToken) {
      const [time, id] = query.pageToken.split(':');
      where.push('(created_time < ? OR (created_time = ? AND job_id < ?))');
      args.push(Number(time), Number(time), id);
    }
    const limit = query.limit ?? 100;
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_time DESC, job_id DESC LIMIT ?`;
    const rows = this.sql(sql).all(...args, limit + 1) as JobRow[];
    const jobs = rows.slice(0, limit).map(toJob);
    const last = jobs[jobs.length - 1];
    return { jobs, nextPageToken: rows.length > limit && last ? `${last.createdAt}:${last.id}` : null, counts };
  }

  /**
   * Claims a queued job for a process: the only way to running, and atomic, so two executors (or
   * two app processes on one data dir) never both start it. Answers null when someone else won.
   */
  claim(id: string, by: { workerId: string; owner?: string; pid?: number }): Job | null {
    const now = Date.now();
    // A queue worker reports its start once the process runs: the pid comes with the claim, one write.
    const row = this.sql(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = ?, owner = ?, start_time = ?, heartbeat_time = ?, end_time = NULL, exit_code = NULL, pid = ?, pid_identity = NULL
         WHERE job_id = ? AND status = 'queued' AND (not_before IS NULL OR not_before <= ?) RETURNING *`,
      )
      .get(by.workerId, by.owner ?? null, now, now, by.pid ?? null, id, now) as JobRow | undefined;
    return row ? this.notify(toJob(row)) : null;
  }

  /** Records the job's process; `identity` (host:pid:start time) lets restart recovery tell it from a process that reused the pid. */
  setPid(id: string, pid: number, identity: string | null = null): void {
    this.announceRow(this.sql(`UPDATE jobs SET pid = ?, pid_identity = ? WHERE job_id = ? AND status = 'running' RETURNING *`).get(pid, identity, id) as JobRow | undefined, id);
  }

  /** Status and reason of some jobs in one query (the local pool's tick watches for a cancel made elsewhere). */
  statuses(ids: readonly string[]): Map<string, { status: JobStatus; reason: string | null }> {
    const result = new Map<string, { status: JobStatus; reason: string | null }>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.sql(`SELECT job_id, status, reason FROM jobs WHERE job_id IN (${part.map(() => '?').join(', ')})`).all(...part) as Array<{ job_id: string; status: JobStatus; reason: string | null }>;
      for (const row of rows) result.set(row.job_id, { status: row.status, reason: row.reason });
    }
    return result;
  }

  /**
   * Jobs that may have changed: queued or running ones, those created since `since`, and `known`
   * (ended since the last look), each with a signature of its state. How a process notices what
   * another process did to the table; every branch is an index or primary-key lookup.
   */
  recentActivity(since: number, known: readonly string[] = []): Array<{ id: string; status: JobStatus; kind: JobKind; parentId: string | null; signature: string }> {
    const columns = 'job_id, status, kind, parent_id, attempts, heartbeat_time, end_time, length(log_tail) AS log_length';
    const parts = [
      `SELECT ${columns} FROM jobs WHERE status IN ('queued', 'running')`,
      `SELECT ${columns} FROM jobs WHERE status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled') AND created_time >= ?`,
    ];
    const args: unknown[] = [since];
    const ids = known.slice(0, 500);
    if (ids.length) {
      parts.push(`SELECT ${columns} FROM jobs WHERE job_id IN (${ids.map(() => '?').join(', ')})`);
      args.push(...ids);
    }
    const rows = this.sql(parts.join(' UNION ')).all(...args) as Array<{ job_id: string; status: JobStatus; kind: JobKind; parent_id: string | null; attempts: number; heartbeat_time: number | null; end_time: number | null; log_length: number }>;
    return rows.map((row) => ({ id: row.job_id, status: row.status, kind: row.kind, parentId: row.parent_id, signature: `${row.status}:${row.attempts}:${row.heartbeat_time}:${row.end_time}:${row.log_length}` }));
  }

  /** Changes whenever another connection commits to the database (SQLite's data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Every running job with the process that owns it, for restart recovery. */
  runningOwners(): RunningJobOwner[] {
    const rows = this.sql(`SELECT job_id, executor, owner, pid, pid_identity, run_uuid FROM jobs WHERE status = 'running' ORDER BY created_time`).all() as Array<Pick<JobRow, 'job_id' | 'executor' | 'owner' | 'pid' | 'pid_identity' | 'run_uuid'>>;
    return rows.map((row) => ({ id: row.job_id, executor: row.executor, owner: row.owner, pid: row.pid, pidIdentity: row.pid_identity, runId: row.run_uuid }));
  }

  /**
   * Ends a running job whose owning process is gone, only if it is still running under that same
   * owner: of two processes recovering at once, or a recovery racing a fresh claim, one wins.
   * Retried like any failure when its policy allows. Answers null when someone else got there first.
   */
  markLost(id: string, owner: string | null, reason: string): { job: Job; retrying: boolean } | null {
    const won = this.db.transaction(() => {
      const row = this.sql(`SELECT status, owner FROM jobs WHERE job_id = ?`).get(id) as { status: JobStatus; owner: string | null } | undefined;
      if (!row || row.status !== 'running' || row.owner !== owner) return false;
      this.sql(`UPDATE jobs SET owner = NULL WHERE job_id = ?`).run(id);
      return true;
    }).immediate();
    return won ? this.finish(id, { status: 'failed', reason }) : null;
  }

  /** Who holds a job (the process identity that claimed it), for judging whether its driver still lives. */
  holder(id: string): { status: JobStatus; owner: string | null } | null {
    return (this.sql('SELECT status, owner FROM jobs WHERE job_id = ?').get(id) as { status: JobStatus; owner: string | null } | undefined) ?? null;
  }

  setRun(id: string, runId: string, experimentId: string): void {
    this.announceRow(this.sql('UPDATE jobs SET run_uuid = ?, experiment_id = ? WHERE job_id = ? RETURNING *').get(runId, experimentId, id) as JobRow | undefined, id);
  }

  /** Appends output to the log tail and counts as a heartbeat. Ignored once the job has ended. */
  appendLog(id: string, chunk: string): void {
    const row = this.sql('SELECT log_tail, status FROM jobs WHERE job_id = ?').get(id) as { log_tail: string; status: JobStatus } | undefined;
    if (!row || isTerminalJobStatus(row.status)) return;
    this.announceRow(this.sql('UPDATE jobs SET log_tail = ?, heartbeat_time = ? WHERE job_id = ? RETURNING *').get(appendTail(row.log_tail, chunk), Date.now(), id) as JobRow | undefined, id);
  }

  /**
   * Adds lines to an ended job's log on behalf of whoever controls it (a pipeline recording what it
   * did with the job's result). Unlike appendLog, it is not a sign of life and works once the job has
   * ended: a job's own process can no longer write there, its controller still can.
   */
  appendEpilogue(id: string, lines: string): void {
    const row = this.sql('SELECT log_tail FROM jobs WHERE job_id = ?').get(id) as { log_tail: string } | undefined;
    if (!row) return;
    this.announceRow(this.sql('UPDATE jobs SET log_tail = ? WHERE job_id = ? RETURNING *').get(appendTail(row.log_tail, lines), id) as JobRow | undefined, id);
  }

  heartbeat(id: string): void {
    this.sql(`UPDATE jobs SET heartbeat_time = ? WHERE job_id = ? AND status = 'running'`).run(Date.now(), id);
  }

  /**
   * Ends a job. A failure with attempts left goes back to queued after its backoff (answered as
   * `retrying: true`); a job already terminal is left as it was (answered unchanged). `lost`: the
   * attempt died with its worker, not by its own failure: it is retried whatever its attempts,
   * given one more (the queue engine bounds how often a job may be lost: BullMQ's maxStalledCount).
   */
  finish(id: string, outcome: { status: 'succeeded' | 'failed' | 'cancelled'; exitCode?: number | null; reason?: string | null; retry?: boolean; lost?: boolean }): { job: Job; retrying: boolean } {
    const now = Date.now();
    // IMMEDIATE: it reads then writes; a deferred transaction whose snapshot another process wrote
    // past fails with SQLITE_BUSY_SNAPSHOT (no busy wait), as two servers recovering at once showed.
    const result = this.db.transaction((): { retrying: boolean; row: JobRow | null; job: Job | null } => {
      const job = this.get(id);
      if (isTerminalJobStatus(job.status)) return { retrying: false, row: null, job };
      const lost = outcome.status === 'failed' && outcome.retry !== false && outcome.lost === true;
      if (lost) this.sql('UPDATE jobs SET max_attempts = MAX(max_attempts, attempts + 1) WHERE job_id = ?').run(id);
      const retrying = outcome.status === 'failed' && outcome.retry !== false && (lost || job.attempts < job.maxAttempts);
      let row: JobRow;
      if (retrying) {
        const delay = lost ? 0 : job.backoffMs * 2 ** Math.max(0, job.attempts - 1);
        row = this.sql(`UPDATE jobs SET status = 'queued', exit_code = ?, reason = ?, pid = NULL, owner = NULL, not_before = ? WHERE job_id = ? RETURNING *`)
          .get(outcome.exitCode ?? null, outcome.reason ?? null, now + delay, id) as JobRow;
      } else {
        row = this.sql('UPDATE jobs SET status = ?, exit_code = ?, reason = ?, end_time = ?, pid = NULL WHERE job_id = ? RETURNING *')
          .get(outcome.status, outcome.exitCode ?? null, outcome.reason ?? null, now, id) as JobRow;
      }
      return { retrying, row, job: null };
    }).immediate();
    // Announced once committed, as before: a listener that reads the table sees the change.
    return { job: result.row ? this.announceRow(result.row, id) : result.job!, retrying: result.retrying };
  }
}
