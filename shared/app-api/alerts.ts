import { z } from 'zod';
import { AlertQuerySchema, AlertRuleCreateSchema, AlertRuleSchema, AlertRuleSpecSchema, AlertSchema, WebhookDeliverySchema, WebhookUrlSchema } from '../alerts.js';

/** Alerts in the app API: the alerts (badges, notifications, the monitoring page), their rules and webhook deliveries. */

const ruleId = z.string().regex(/^[1-9]\d*$/, 'must be a rule id (digits)');
const alertId = z.string().regex(/^[1-9]\d*$/, 'must be an alert id (digits)');

/** Merged into the operation map (operations.ts). */
export const alertOperations = {
  /** Alerts newest first, firing and resolved; `state: 'firing'` for the badges. */
  'alerts.list': { input: AlertQuerySchema, output: z.object({ alerts: z.array(AlertSchema) }) },
  'alerts.rules.list': { input: z.object({ model: z.string().trim().min(1, 'cannot be empty').optional() }), output: z.object({ rules: z.array(AlertRuleSchema) }) },
  'alerts.rules.create': { input: AlertRuleCreateSchema, output: z.object({ rule: AlertRuleSchema }) },
  'alerts.rules.update': {
    input: z.object({ id: ruleId, rule: AlertRuleSpecSchema.optional(), webhookUrl: WebhookUrlSchema.nullable().optional(), enabled: z.boolean().optional() }),
    output: z.object({ rule: AlertRuleSchema }),
  },
  'alerts.rules.delete': { input: z.object({ id: ruleId }), output: z.object({}) },
  'alerts.deliveries': {
    input: z.object({
      model: z.string().trim().min(1, 'cannot be empty').optional(),
      alertId: alertId.optional(),
      limit: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
    }),
    output: z.object({ deliveries: z.array(WebhookDeliverySchema) }),
  },
} as const;
