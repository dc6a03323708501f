import { z } from 'zod';
import { SWEEP_STATES, SweepSpecSchema, SweepTrialSchema } from '../automation.js';

/** Sweeps in the app API: the Sweep page, the New sweep form and "Promote best". */

const sweepId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a sweep id (32 hex digits)');

export const SweepDecisionSchema = z.object({
  trial: z.number().int(),
  step: z.number().int(),
  value: z.number(),
  decision: z.enum(['continue', 'prune']),
  detail: z.string(),
  time: z.number(),
});
export type SweepDecision = z.infer<typeof SweepDecisionSchema>;

export const SweepSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(SWEEP_STATES),
  method: z.enum(['grid', 'random', 'tpe']),
  metric: z.object({ name: z.string(), goal: z.enum(['minimize', 'maximize']) }),
  earlyTerminate: z.string().nullable(),
  parallel: z.number().int(),
  runId: z.string(),
  experimentId: z.string(),
  jobId: z.string().nullable(),
  bestTrial: z.number().int().nullable(),
  bestValue: z.number().nullable(),
  counts: z.record(z.string(), z.number().int()),
  reason: z.string().nullable(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
});
export type SweepSummary = z.infer<typeof SweepSummarySchema>;

export const ParameterImportanceSchema = z.object({
  parameter: z.string(),
  /** |Spearman rank correlation| of the parameter with the objective over completed trials (0..1); null when it cannot be computed. */
  importance: z.number().nullable(),
  /** The signed correlation: negative means larger values go with smaller metric values. */
  correlation: z.number().nullable(),
  trials: z.number().int(),
});
export type ParameterImportance = z.infer<typeof ParameterImportanceSchema>;

export const SweepDetailSchema = SweepSummarySchema.extend({
  spec: SweepSpecSchema,
  trials: z.array(SweepTrialSchema.extend({ createdAt: z.number(), endedAt: z.number().nullable() })),
  /** The latest decisions (newest first, at most 500). */
  decisions: z.array(SweepDecisionSchema),
  /** The best completed value after each completed trial, in order of completion. */
  bestSoFar: z.array(z.object({ trial: z.number().int(), value: z.number(), best: z.number() })),
  importance: z.array(ParameterImportanceSchema),
});
export type SweepDetail = z.infer<typeof SweepDetailSchema>;

/** The New sweep form: a spec plus where the project lives and how many trials run at once. */
export const SweepCreateSchema = z.object({
  spec: z.unknown(),
  parallel: z.number().int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(2),
});

/** Merged into the operation map (operations.ts). */
export const sweepOperations = {
  'sweeps.list': { input: z.object({ limit: z.number().int().min(1).max(500).default(100) }), output: z.object({ sweeps: z.array(SweepSummarySchema) }) },
  'sweeps.get': { input: z.object({ id: sweepId }), output: z.object({ sweep: SweepDetailSchema }) },
  'sweeps.create': { input: SweepCreateSchema, output: z.object({ sweep: SweepSummarySchema }) },
  'sweeps.cancel': { input: z.object({ id: sweepId }), output: z.object({ sweep: SweepSummarySchema }) },
  /** Registers the best trial's model as a new version of `model` (when the run logged one), else tags the run as the sweep's pick. */
  'sweeps.promoteBest': {
    input: z.object({ id: sweepId, model: z.string().trim().min(1, 'cannot be empty').max(256, 'is longer than 256 characters').optional() }),
    output: z.object({ runId: z.string(), trial: z.number().int(), registered: z.object({ name: z.string(), version: z.string() }).nullable(), tagged: z.boolean() }),
  },
} as const;
