/**
 * Alert evaluation (issue 13): after the window engine stores a version's windows it calls
 * evaluateAlerts, which decides each enabled rule of the version's model over those windows and
 * fires or resolves alerts. One open (firing) alert per rule and version: an episode fires once,
 * and resolves when the condition clears. A rule with a webhook queues a delivery per change; the
 * delivery loop of `mldesk serve` / the app sends it (webhook-delivery.ts).
 */
import type { Alert, AlertRuleSpec } from '../../../shared/alerts.js';
import type { SqliteDatabase } from '../store/database.js';
import { decideRule, describeRule, type RuleVerdict, type WindowMetric } from './alert-rules.js';
import { enabledRules, getAlert } from './alerts-store.js';
import { webhookPayload } from './webhook-payload.js';

/** Windows read past the longest rule's run, for windows that said nothing (no verdict, no labels). */
const SLACK_WINDOWS = 50;

interface VersionRow {
  model_id: number;
  name: string;
  version: number;
}

interface WindowRow {
  window_pk: number;
}

interface MetricRow {
  window_pk: number;
  kind: string;
  column_name: string;
  method: string;
  statistic: number | null;
  drifted: number | null;
}

/**
 * The version's latest windows under the spec and settings it was last computed with (older specs
 * describe other windows), oldest first, with their metrics.
 */
function recentWindows(db: SqliteDatabase, versionPk: number, count: number): { id: string; metrics: WindowMetric[] }[] {
  const latest = db
    .prepare('SELECT spec, settings_sha256 FROM monitoring_windows WHERE version_pk = ? ORDER BY computed_time DESC, window_pk DESC LIMIT 1')
    .get(versionPk) as { spec: string; settings_sha256: string } | undefined;
  if (!latest) return [];
  const windows = (
    db
      .prepare('SELECT window_pk FROM monitoring_windows WHERE version_pk = ? AND spec = ? AND settings_sha256 = ? ORDER BY from_time DESC, window_pk DESC LIMIT ?')
      .all(versionPk, latest.spec, latest.settings_sha256, count) as WindowRow[]
  ).reverse();
  if (windows.length === 0) return [];
  const metrics = db
    .prepare(
      `SELECT window_pk, kind, column_name, method, statistic, drifted FROM monitoring_metrics
       WHERE window_pk IN (SELECT value FROM json_each(?)) AND kind IN ('feature_drift', 'prediction_drift', 'null_rate', 'dataset_drift', 'quality', 'estimated_quality')`,
    )
    .all(JSON.stringify(windows.map((w) => w.window_pk))) as MetricRow[];
  const byWindow = new Map<number, WindowMetric[]>(windows.map((w) => [w.window_pk, []]));
  for (const m of metrics) {
    byWindow.get(m.window_pk)?.push({ kind: m.kind, column: m.column_name, method: m.method, statistic: m.statistic, drifted: m.drifted === null ? null : m.drifted === 1 });
  }
  return windows.map((w) => ({ id: String(w.window_pk), metrics: byWindow.get(w.window_pk) ?? [] }));
}

const fmt = (value: number | null) => (value === null ? '' : ` (${Number(value.toPrecision(4))})`);

function firingMessage(model: string, version: number, rule: AlertRuleSpec, verdict: RuleVerdict): string {
  const features = rule.kind === 'dataset_drift' && verdict.features.length ? `: ${verdict.features.join(', ')}` : '';
  return `${model} v${version}: ${describeRule(rule)}${fmt(verdict.value)}${features}`;
}

/** Re-evaluates the alert rules of the version's model against its stored windows; fires or resolves alerts. Returns the alerts that changed. */
export function evaluateAlerts(db: SqliteDatabase, versionPk: number, now = Date.now()): Alert[] {
  const version = db
    .prepare('SELECT v.model_id, m.name, v.version FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE v.version_pk = ?')
    .get(versionPk) as VersionRow | undefined;
  if (!version) return [];
  const rules = enabledRules(db, version.model_id);
  if (rules.length === 0) return [];
  const longest = Math.max(...rules.map((r) => r.rule.windows));
  const openAlert = db.prepare("SELECT alert_pk FROM alerts WHERE rule_pk = ? AND version_pk = ? AND state = 'firing'");
  const insertAlert = db.prepare(
    "INSERT INTO alerts (rule_pk, version_pk, state, message, value, fired_time, evidence_json, change_seq) VALUES (?, ?, 'firing', ?, ?, ?, ?, (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM alerts))",
  );
  // The message stays what fired: the state and resolved time say it is over.
  const resolve = db.prepare("UPDATE alerts SET state = 'resolved', resolved_time = ?, change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM alerts) WHERE alert_pk = ?");
  const queue = db.prepare(
    "INSERT INTO webhook_deliveries (alert_pk, event, url, payload_json, attempts, status, next_attempt_time, created_time, updated_time) VALUES (?, ?, ?, ?, 0, 'pending', ?, ?, ?)",
  );
  const changed: number[] = [];
  // Immediate: it reads the open alerts, then writes; a deferred transaction racing another process would fail instead of waiting.
  db.transaction(() => {
    const windows = recentWindows(db, versionPk, longest + SLACK_WINDOWS);
    for (const { pk, rule, webhookUrl } of rules) {
      const verdict = decideRule(rule, windows);
      const open = openAlert.get(pk, versionPk) as { alert_pk: number } | undefined;
      let alertPk: number | null = null;
      if (verdict.state === 'firing' && !open) {
        const evidence = JSON.stringify({ windows: verdict.windows, features: verdict.features });
        alertPk = Number(insertAlert.run(pk, versionPk, firingMessage(version.name, version.version, rule, verdict), verdict.value, now, evidence).lastInsertRowid);
      } else if (verdict.state === 'clear' && open) {
        alertPk = open.alert_pk;
        resolve.run(now, alertPk);
      }
      if (alertPk === null) continue;
      changed.push(alertPk);
      if (webhookUrl) {
        const alert = getAlert(db, alertPk);
        if (alert) queue.run(alertPk, alert.state, webhookUrl, JSON.stringify(webhookPayload(db, alert, rule)), now, now, now);
      }
    }
  }).immediate();
  return changed.flatMap((pk) => getAlert(db, pk) ?? []);
}

/**
 * Evaluates a model's rules over every version with stored windows: a rule added or changed
 * answers for the windows already there, not only from the next one on.
 */
export function evaluateModelAlerts(db: SqliteDatabase, model: string, now = Date.now()): Alert[] {
  const versions = db
    .prepare(
      `SELECT v.version_pk FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
       WHERE m.name = ? AND EXISTS (SELECT 1 FROM monitoring_windows w WHERE w.version_pk = v.version_pk) ORDER BY v.version`,
    )
    .all(model) as { version_pk: number }[];
  return versions.flatMap((v) => evaluateAlerts(db, v.version_pk, now));
}
