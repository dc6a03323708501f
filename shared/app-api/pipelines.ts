import { z } from 'zod';
import { CtPolicySchema, CtTriggerSchema, JOB_STATUSES, PIPELINE_STATES, PIPELINE_STEPS } from '../automation.js';
import { modelName } from './fields.js';

/**
 * Continuous training in the app API: a model's policy, its pipeline runs (trigger → data → train
 * → evaluate → gate → promote), and the champion/challenger comparison on held-out and live data.
 */

export const PIPELINE_STEP_STATUSES = [...JOB_STATUSES, 'skipped'] as const;
export type PipelineStepStatus = (typeof PIPELINE_STEP_STATUSES)[number];

/** One quality gate's outcome, with the numbers it was judged on. */
export const GateResultSchema = z.object({
  name: z.string(),
  metric: z.string(),
  op: z.enum(['>=', '<=', 'beats']),
  threshold: z.number().nullable(),
  value: z.number().nullable(),
  /** For 'beats': the champion's value and the improvement the challenger showed. */
  champion: z.number().nullable(),
  passed: z.boolean(),
  message: z.string(),
});
export type GateResult = z.infer<typeof GateResultSchema>;

export const PipelineStepSchema = z.object({
  ordinal: z.number().int(),
  step: z.enum(PIPELINE_STEPS),
  status: z.enum(PIPELINE_STEP_STATUSES),
  jobId: z.string().nullable(),
  startTime: z.number().nullable(),
  endTime: z.number().nullable(),
  /** Step-specific: dataset refs and hashes, the run trained, the metrics table, gate results, the decision. */
  detail: z.record(z.string(), z.unknown()),
  /** The step job's log tail. */
  log: z.string(),
});
export type PipelineStep = z.infer<typeof PipelineStepSchema>;

export const PipelineRunSchema = z.object({
  id: z.string(),
  model: z.string(),
  trigger: z.object({ type: z.string(), detail: z.string() }),
  state: z.enum(PIPELINE_STATES),
  jobId: z.string().nullable(),
  championVersion: z.string().nullable(),
  challengerVersion: z.string().nullable(),
  decision: z.string().nullable(),
  createdTime: z.number(),
  endTime: z.number().nullable(),
  steps: z.array(PipelineStepSchema),
});
export type PipelineRun = z.infer<typeof PipelineRunSchema>;

/** Live comparison from shadow scoring: how often the challenger agrees with the champion, and both on labelled rows. */
export const ShadowComparisonSchema = z.object({
  model: z.string(),
  challengerVersion: z.string(),
  rows: z.number().int(),
  agreement: z.number().nullable(),
  labelledRows: z.number().int(),
  championAccuracy: z.number().nullable(),
  challengerAccuracy: z.number().nullable(),
});
export type ShadowComparison = z.infer<typeof ShadowComparisonSchema>;

export const pipelineOperations = {
  'ct.policy.get': { input: z.object({ model: modelName }), output: z.object({ policy: CtPolicySchema.nullable() }) },
  /** Every model's policy, by model name, with when it was last changed. */
  'ct.policy.list': { input: z.object({}), output: z.object({ policies: z.array(z.object({ policy: CtPolicySchema, updatedTime: z.number().int() })) }) },
  /** The policy is checked whole; each problem names its field (`triggers[0].count: ...`). */
  'ct.policy.set': { input: z.object({ model: modelName, policy: z.unknown() }), output: z.object({ policy: CtPolicySchema }) },
  'pipelines.list': {
    input: z.object({ model: modelName.optional(), limit: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(50) }),
    output: z.object({ pipelines: z.array(PipelineRunSchema) }),
  },
  'pipelines.get': { input: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'must be a pipeline id') }), output: z.object({ pipeline: PipelineRunSchema }) },
  /** Starts a run by hand; answers once it is recorded (its steps run in the background). */
  'pipelines.run': { input: z.object({ model: modelName }), output: z.object({ pipeline: PipelineRunSchema }) },
  'pipelines.shadow': { input: z.object({ model: modelName }), output: z.object({ comparison: ShadowComparisonSchema.nullable() }) },
} as const;

export { CtPolicySchema, CtTriggerSchema };
