import { z } from 'zod';
import { JOB_KINDS, JOB_STATUSES, JobSchema } from '../automation.js';

/** Jobs in the app API: the jobs page (list, detail with log tail, cancel). */

const jobId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a job id (32 hex digits)');

/** A job in a list: everything but its log tail. */
export const JobSummarySchema = JobSchema.omit({ logTail: true });
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const JobListQuerySchema = z.object({
  status: z.array(z.enum(JOB_STATUSES)).max(JOB_STATUSES.length).optional(),
  kind: z.array(z.enum(JOB_KINDS)).max(JOB_KINDS.length).optional(),
  /** A parent job's id (a sweep's trials, a pipeline's steps), or null for top-level jobs only. */
  parentId: jobId.nullable().optional(),
  limit: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(100),
  /** From the previous page's nextPageToken. */
  pageToken: z.string().regex(/^\d+:[0-9a-f]{32}$/, 'must be a nextPageToken from jobs.list').optional(),
});

/** Merged into the operation map (operations.ts). */
export const jobOperations = {
  /** Newest first; `counts` are per status over the whole filter (kind, parent), for the filter chips. */
  'jobs.list': {
    input: JobListQuerySchema,
    output: z.object({ jobs: z.array(JobSummarySchema), nextPageToken: z.string().nullable(), counts: z.record(z.enum(JOB_STATUSES), z.number().int()) }),
  },
  'jobs.get': { input: z.object({ id: jobId }), output: z.object({ job: JobSchema, runName: z.string().nullable() }) },
  /** Kills a running job's whole process tree (or unqueues a queued one); it ends 'cancelled' with the reason. */
  'jobs.cancel': {
    input: z.object({ id: jobId, reason: z.string().trim().min(1, 'cannot be empty').max(500, 'must be at most 500 characters').optional() }),
    output: z.object({ job: JobSchema }),
  },
} as const;
