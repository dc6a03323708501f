import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { evaluateModelAlerts } from '../core/monitoring/alert-evaluation.js';
import { createRule, deleteRule, listAlerts, listDeliveries, listRules, updateRule } from '../core/monitoring/alerts-store.js';
import type { Services } from '../core/services.js';

type AlertOperation = 'alerts.list' | 'alerts.rules.list' | 'alerts.rules.create' | 'alerts.rules.update' | 'alerts.rules.delete' | 'alerts.deliveries';
type Handler<K extends AlertOperation> = (input: OperationParsedInput<K>) => OperationOutput<K>;

/** Alerts, their rules and webhook deliveries (contract in shared/app-api/alerts.ts). */
export function createAlertHandlers({ store }: Pick<Services, 'store'>): { [K in AlertOperation]: Handler<K> } {
  const db = store.db;
  return {
    'alerts.list': (query) => ({ alerts: listAlerts(db, query) }),
    'alerts.rules.list': ({ model }) => ({ rules: listRules(db, model) }),
    'alerts.rules.create': (input) => {
      const rule = createRule(db, input);
      evaluateModelAlerts(db, rule.model);
      return { rule };
    },
    'alerts.rules.update': ({ id, ...change }) => {
      const rule = updateRule(db, id, change);
      evaluateModelAlerts(db, rule.model);
      return { rule };
    },
    'alerts.rules.delete': ({ id }) => {
      deleteRule(db, id);
      return {};
    },
    'alerts.deliveries': (query) => ({ deliveries: listDeliveries(db, query) }),
  };
}
