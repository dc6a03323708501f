import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ALERT_STATES, AlertRuleCreateSchema } from '../../shared/alerts.js';
import { evaluateModelAlerts } from '../core/monitoring/alert-evaluation.js';
import { createRule, listAlerts, listDeliveries, listRules } from '../core/monitoring/alerts-store.js';
import type { Services } from '../core/services.js';
import { maxResults, parseRequest } from './mlflow/request-schemas.js';

const PREFIX = '/api/2.0/mldesk/alerts';
const model = z.string().trim().min(1, 'cannot be empty').optional();

const schemas = {
  alerts: z.object({ model, state: z.enum(ALERT_STATES).optional(), max_results: maxResults(1000, 100) }),
  rules: z.object({ model }),
  deliveries: z.object({ model, alert_id: z.string().regex(/^[1-9]\d*$/, 'must be an alert id (digits)').optional(), max_results: maxResults(1000, 100) }),
};

/**
 * Alerts over REST, for scripts and dashboards: alerts newest first (with the windows and features
 * behind each), the rules, and the webhook delivery log. Same shapes as the app operations.
 */
export function registerAlertRoutes(app: FastifyInstance, { store }: Pick<Services, 'store'>): void {
  const db = store.db;
  app.get(PREFIX, async (request) => {
    const req = parseRequest(schemas.alerts, request.query);
    return { alerts: listAlerts(db, { model: req.model, state: req.state, limit: req.max_results }) };
  });
  app.get(`${PREFIX}/rules`, async (request) => ({ rules: listRules(db, parseRequest(schemas.rules, request.query).model) }));
  app.post(`${PREFIX}/rules`, async (request) => {
    const rule = createRule(db, parseRequest(AlertRuleCreateSchema, request.body));
    evaluateModelAlerts(db, rule.model);
    return { rule };
  });
  app.get(`${PREFIX}/deliveries`, async (request) => {
    const req = parseRequest(schemas.deliveries, request.query);
    return { deliveries: listDeliveries(db, { model: req.model, alertId: req.alert_id, limit: req.max_results }) };
  });
}
