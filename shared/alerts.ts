import { z } from 'zod';

/**
 * Alerts as every side sees them (issue 13). CONTRACT written by the lead; the alerts helper owns
 * this file and extends it (rule schemas, deliveries), keeping AlertSchema's fields.
 */

export const ALERT_STATES = ['firing', 'resolved'] as const;

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
