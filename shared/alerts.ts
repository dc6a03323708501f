import { z } from 'zod';

/**
 * Alerts as every side sees them (issue 13): rules per registered model, the alerts they fire
 * (firing, then resolved, with the windows and features behind them), and the webhook deliveries
 * that announce them. Pure zod schemas: no Node, no DOM.
 */

export const ALERT_STATES = ['firing', 'resolved'] as const;
export const AlertStateSchema = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertStateSchema>;

export const AlertSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  model: z.string(),
  /** The version whose windows fired it; null when that version is gone. */
  version: z.string().nullable(),
  state: z.enum(ALERT_STATES),
  message: z.string(),
  value: z.number().nullable(),
  firedTime: z.number(),
  resolvedTime: z.number().nullable(),
  /** What is behind it: window ids (monitoring_windows) and feature names. */
  evidence: z.object({ windows: z.array(z.string()), features: z.array(z.string()) }),
});
export type Alert = z.infer<typeof AlertSchema>;

/** Limits a rule is checked against; each is named in the 400 that refuses it. */
export const ALERT_LIMITS = {
  /** Consecutive windows a rule may ask for. */
  maxWindows: 1000,
  maxUrlLength: 2000,
  maxNameLength: 500,
} as const;

const name = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `is required: name ${what}` : 'must be a string') })
    .trim().min(1, `must name ${what} (cannot be empty)`).max(ALERT_LIMITS.maxNameLength, `is longer than ${ALERT_LIMITS.maxNameLength} characters`);
const windows = z
  .number()
  .int('must be a whole number of windows')
  .min(1, 'must be at least 1 window')
  .max(ALERT_LIMITS.maxWindows, `must be at most ${ALERT_LIMITS.maxWindows} windows`)
  .default(1);
const finite = z.number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') }).refine(Number.isFinite, 'must be a finite number');

/** Quality metrics where lower is better: a rule on them fires when the value goes above the threshold. */
export const ERROR_METRICS: readonly string[] = ['rmse', 'mae', 'mse', 'log_loss', 'brier', 'mape', 'calibration_error', 'label_delay_p50_ms', 'label_delay_p90_ms'];

/**
 * What a rule watches, per window of a version's predictions. `windows`: the condition must hold
 * for that many consecutive windows (the latest ones) before the alert fires.
 */
export const AlertRuleSpecSchema = z.discriminatedUnion('kind', [
  /** The window's dataset drift verdict (share of drifted features ≥ the model's setting). */
  z.object({ kind: z.literal('dataset_drift'), windows }),
  /** One feature's drift verdict (`__prediction__` for the model's output). */
  z.object({ kind: z.literal('feature_drift'), feature: name('a feature'), windows }),
  /** A realised quality metric (accuracy, f1_macro, rmse, ...) below the threshold, or above it for error metrics. */
  z.object({
    kind: z.literal('quality'),
    metric: name('a quality metric'),
    threshold: finite,
    /** Default: `above` for ERROR_METRICS, else `below`. */
    direction: z.enum(['below', 'above']).optional(),
    windows,
  }),
  /** An estimated metric (CBPE, before labels arrive) below the threshold. */
  z.object({ kind: z.literal('estimated_quality'), metric: name('an estimated metric'), threshold: finite, windows }),
  /** A feature's share of nulls in the window above the threshold (0..1). */
  z.object({
    kind: z.literal('null_rate'),
    feature: name('a feature'),
    threshold: z.number().min(0, 'must be a share between 0 and 1').max(1, 'must be a share between 0 and 1'),
    windows,
  }),
]);
export type AlertRuleSpec = z.infer<typeof AlertRuleSpecSchema>;
export type AlertRuleKind = AlertRuleSpec['kind'];
export const ALERT_RULE_KINDS: readonly AlertRuleKind[] = ['dataset_drift', 'feature_drift', 'quality', 'estimated_quality', 'null_rate'];

/** Webhooks go to http(s) only: anything else (file:, javascript:, ...) is refused. */
export const WebhookUrlSchema = z
  .string()
  .trim()
  .max(ALERT_LIMITS.maxUrlLength, `is longer than ${ALERT_LIMITS.maxUrlLength} characters`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

export const AlertRuleSchema = z.object({
  id: z.string(),
  model: z.string(),
  rule: AlertRuleSpecSchema,
  webhookUrl: z.string().nullable(),
  enabled: z.boolean(),
  createdTime: z.number(),
  /** The rule in words, e.g. "accuracy below 0.8 for 3 consecutive windows". */
  description: z.string(),
});
export type AlertRule = z.infer<typeof AlertRuleSchema>;

export const AlertRuleCreateSchema = z.object({
  model: name('a registered model'),
  rule: AlertRuleSpecSchema,
  webhookUrl: WebhookUrlSchema.nullable().optional(),
  enabled: z.boolean().optional(),
});
export type AlertRuleCreate = z.input<typeof AlertRuleCreateSchema>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** One webhook delivery of an alert's firing or resolution, and how its attempts went. */
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  model: z.string(),
  event: AlertStateSchema,
  url: z.string(),
  attempts: z.number().int(),
  status: z.enum(DELIVERY_STATUSES),
  lastHttpStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptTime: z.number().nullable(),
  createdTime: z.number(),
  updatedTime: z.number(),
  /** Every attempt so far, first first. */
  attemptLog: z.array(z.object({ attempt: z.number().int(), time: z.number(), httpStatus: z.number().nullable(), error: z.string().nullable() })),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const AlertQuerySchema = z.object({
  model: z.string().trim().min(1, 'cannot be empty').optional(),
  state: AlertStateSchema.optional(),
  /** Newest first; at most this many. */
  limit: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
});
export type AlertQuery = z.infer<typeof AlertQuerySchema>;
