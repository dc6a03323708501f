import type { ConnectionOptions } from 'bullmq';
import { z } from 'zod';
import { JobSpecSchema } from '../../../shared/automation.js';
import { MLDeskError } from '../errors.js';
import { FAILURE_REASON_TAG } from './projects/project-lineage.js';
import type { TrackingClient } from './projects/tracking-client.js';

/**
 * What the controller (app, `mldesk serve`, `mldesk sweep`) and `mldesk worker` processes say to
 * each other through Redis. Jobs travel as BullMQ jobs; the worker reports back as job progress
 * (ordered with BullMQ's own events in the queue's event stream), so the controller mirrors one
 * stream into the jobs table. Cancels go the other way as a key plus a pub/sub message.
 */

export const DEFAULT_QUEUE = 'mldesk-jobs';

/** BullMQ refuses integer-looking custom ids; a prefix keeps every jobs-table id usable. */
export const bullJobId = (jobId: string): string => `job-${jobId}`;
export const jobIdOf = (bullId: string): string => (bullId.startsWith('job-') ? bullId.slice(4) : bullId);

/** The tag a retry's run carries, naming the run of the attempt it replaces (set by the worker, read by the controller). */
export const REPLACES_RUN_TAG = 'mldesk.replaces_run';

export const cancelKey = (queue: string, jobId: string): string => `mldesk:${queue}:cancel:${jobId}`;
export const cancelChannel = (queue: string): string => `mldesk:${queue}:cancel`;
/** The prefix of a BullMQ failure that is a cancel, not a crash: never retried. */
export const CANCELLED_PREFIX = 'cancelled: ';

export const QueuedJobDataSchema = z.object({
  jobId: z.string().min(1),
  name: z.string(),
  spec: JobSpecSchema,
  maxAttempts: z.number().int().min(1),
  /** The run the first attempt logs into; a retry creates its own and records it in currentRunId. */
  runId: z.string().nullable(),
  currentRunId: z.string().nullable().default(null),
  trackingUri: z.string().url(),
});
export type QueuedJobData = z.infer<typeof QueuedJobDataSchema>;

/**
 * A worker's reports on one job, in order: `start` (with the pid when the process is already
 * running: a command job's start waits for it, one report instead of two), `pid`, `log`s, and
 * `end` for an attempt that did not succeed. A succeeded attempt ends with BullMQ's own completion
 * (its return value carries the exit code): no report of its own.
 */
export const WorkerReportSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('start'), attempt: z.number().int(), workerId: z.string(), runId: z.string().nullable(), experimentId: z.string().nullable(), pid: z.number().int().optional() }),
  z.object({ t: z.literal('pid'), pid: z.number().int() }),
  z.object({ t: z.literal('log'), chunk: z.string() }),
  z.object({ t: z.literal('end'), status: z.enum(['succeeded', 'failed', 'cancelled']), exitCode: z.number().int().nullable(), reason: z.string().nullable() }),
]);
export type WorkerReport = z.infer<typeof WorkerReportSchema>;

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

/** redis://[user:password@]host:port[/db] (rediss:// for TLS) as BullMQ connection options. */
export function redisConnection(url: string): RedisTarget & ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MLDeskError('INVALID_PARAMETER_VALUE', `--redis: '${url}' is not a URL; expected redis://HOST:PORT.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new MLDeskError('INVALID_PARAMETER_VALUE', `--redis: '${url}' must start with redis:// or rediss://.`);
  }
  if (!parsed.hostname) throw new MLDeskError('INVALID_PARAMETER_VALUE', `--redis: '${url}' names no host.`);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new MLDeskError('INVALID_PARAMETER_VALUE', `--redis: database '${dbText}' in '${url}' is not a number.`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's blocking commands must never give up on a slow server.
    maxRetriesPerRequest: null,
  };
}

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export function checkQueueName(name: string): string {
  if (!QUEUE_NAME_PATTERN.test(name)) throw new MLDeskError('INVALID_PARAMETER_VALUE', `--queue: '${name}' must be 1-64 letters, digits, '.', '_' or '-'.`);
  return name;
}

/** Ends a run still RUNNING (or SCHEDULED) with the reason (the tag launchProjectRun uses too); a run already ended is left as it is. */
export async function endRunIfOpen(client: TrackingClient, runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED', reason: string | null): Promise<boolean> {
  const run = await client.getRun(runId);
  if (run.info.status !== 'RUNNING' && run.info.status !== 'SCHEDULED') return false;
  if (reason && status !== 'FINISHED') await client.setTag(runId, FAILURE_REASON_TAG, reason.slice(0, 5000));
  await client.updateRun(runId, status, Date.now());
  return true;
}
