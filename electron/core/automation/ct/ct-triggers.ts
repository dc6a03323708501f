/**
 * When a policy's triggers fire: an alert of the model fired (of the rule `alertId` names, else
 * any), N more prediction rows came back labelled, the schedule came round, or a watched dataset
 * got a new version. Each compares with what the policy saw when it last started a run (its
 * trigger state, set to "now" when the policy is first stored), so only what is new fires.
 * 'manual' never fires here: it is `mldesk pipeline run` or the app's Run button.
 */
import type { CtPolicy } from '../../../../shared/automation.js';
import type { SqliteDatabase } from '../../store/database.js';
import type { TriggerInfo } from './pipeline-store.js';
import type { TriggerState } from './policy-store.js';

export function labelledRowCount(db: SqliteDatabase, model: string): number {
  return (
    db.prepare('SELECT count(*) AS n FROM predictions p JOIN prediction_feedback f ON f.prediction_pk = p.prediction_pk WHERE p.model_name = ?').get(model) as { n: number }
  ).n;
}

function newestAlert(db: SqliteDatabase, model: string): number {
  return (
    db
      .prepare('SELECT COALESCE(MAX(a.alert_pk), 0) AS id FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk JOIN registered_models m ON m.model_id = r.model_id WHERE m.name = ?')
      .get(model) as { id: number }
  ).id;
}

function latestDatasetVersion(db: SqliteDatabase, name: string): number {
  return (
    db.prepare('SELECT COALESCE(MAX(v.version), 0) AS v FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ?').get(name) as { v: number }
  ).v;
}

/** What the triggers see now: stored when a policy is first set, so history before it does not fire. */
export function currentTriggerState(db: SqliteDatabase, policy: CtPolicy, now = Date.now()): TriggerState {
  const datasetVersions: Record<string, number> = {};
  for (const trigger of policy.triggers) if (trigger.type === 'dataset_version') datasetVersions[trigger.dataset] = latestDatasetVersion(db, trigger.dataset);
  return { lastAlertId: newestAlert(db, policy.model), labelledRows: labelledRowCount(db, policy.model), lastScheduleTime: now, datasetVersions };
}

/** The first trigger of the policy that fires now, and the state to keep once a run starts for it; null when none does. */
export function dueTrigger(db: SqliteDatabase, policy: CtPolicy, state: TriggerState, now = Date.now()): { trigger: TriggerInfo; state: TriggerState } | null {
  for (const trigger of policy.triggers) {
    if (trigger.type === 'alert') {
      const alert = db
        .prepare(
          `SELECT a.alert_pk AS id, a.rule_pk AS rule, a.message FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk JOIN registered_models m ON m.model_id = r.model_id
           WHERE m.name = ? AND a.state = 'firing' AND a.alert_pk > ? ${trigger.alertId === undefined ? '' : 'AND a.rule_pk = ?'} ORDER BY a.alert_pk DESC LIMIT 1`,
        )
        .get(...[policy.model, state.lastAlertId ?? 0, ...(trigger.alertId === undefined ? [] : [Number(trigger.alertId)])]) as { id: number; rule: number; message: string } | undefined;
      if (alert) return { trigger: { type: 'alert', detail: `alert ${alert.id} (rule ${alert.rule}) fired: ${alert.message}` }, state: { ...state, lastAlertId: newestAlert(db, policy.model) } };
    } else if (trigger.type === 'labelled_rows') {
      const count = labelledRowCount(db, policy.model);
      const fresh = count - (state.labelledRows ?? 0);
      if (fresh >= trigger.count) return { trigger: { type: 'labelled_rows', detail: `${fresh} new labelled prediction rows (threshold ${trigger.count})` }, state: { ...state, labelledRows: count } };
    } else if (trigger.type === 'schedule') {
      const last = state.lastScheduleTime ?? 0;
      if (now - last >= trigger.everyMinutes * 60_000) return { trigger: { type: 'schedule', detail: `every ${trigger.everyMinutes} min` }, state: { ...state, lastScheduleTime: now } };
    } else if (trigger.type === 'dataset_version') {
      const latest = latestDatasetVersion(db, trigger.dataset);
      const seen = state.datasetVersions?.[trigger.dataset] ?? 0;
      if (latest > seen) {
        return {
          trigger: { type: 'dataset_version', detail: `new version ${trigger.dataset}@${latest}` },
          state: { ...state, datasetVersions: { ...state.datasetVersions, [trigger.dataset]: latest } },
        };
      }
    }
  }
  return null;
}
