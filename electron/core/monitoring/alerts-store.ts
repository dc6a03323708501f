/**
 * Alert rules, alerts and webhook deliveries in the lineage database (migration 15): what the
 * app's operations, the REST route, the CLI and the Prometheus gauges read.
 */
import {
  AlertRuleSpecSchema,
  type Alert,
  type AlertQuery,
  type AlertRule,
  type AlertRuleCreate,
  type AlertRuleSpec,
  type WebhookDelivery,
} from '../../../shared/alerts.js';
import { invalidParameter, notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import { describeRule } from './alert-rules.js';

interface RuleRow {
  rule_pk: number;
  model_id: number;
  name: string;
  rule_json: string;
  webhook_url: string | null;
  enabled: number;
  created_time: number;
}

interface AlertRow {
  alert_pk: number;
  rule_pk: number;
  model: string;
  version: number | null;
  state: 'firing' | 'resolved';
  message: string;
  value: number | null;
  fired_time: number;
  resolved_time: number | null;
  evidence_json: string;
}

/** Rules written by another version of this code may not parse: they are skipped, never fatal. */
export function parseRuleSpec(json: string): AlertRuleSpec | null {
  try {
    const parsed = AlertRuleSpecSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toRule(row: RuleRow): AlertRule | null {
  const rule = parseRuleSpec(row.rule_json);
  if (!rule) return null;
  return {
    id: String(row.rule_pk),
    model: row.name,
    rule,
    webhookUrl: row.webhook_url,
    enabled: row.enabled === 1,
    createdTime: row.created_time,
    description: describeRule(rule),
  };
}

const RULE_SELECT = `SELECT r.rule_pk, r.model_id, m.name, r.rule_json, r.webhook_url, r.enabled, r.created_time
  FROM alert_rules r JOIN registered_models m ON m.model_id = r.model_id`;

function modelId(db: SqliteDatabase, model: string): number {
  const row = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').get(model) as { model_id: number } | undefined;
  if (!row) throw notFound(`Registered model '${model}' not found.`);
  return row.model_id;
}

function ruleRow(db: SqliteDatabase, id: string): RuleRow {
  const row = db.prepare(`${RULE_SELECT} WHERE r.rule_pk = ?`).get(Number(id)) as RuleRow | undefined;
  if (!row) throw notFound(`Alert rule '${id}' not found.`);
  return row;
}

function ruleOf(row: RuleRow): AlertRule {
  const rule = toRule(row);
  if (!rule) throw invalidParameter(`Alert rule '${row.rule_pk}' is stored in a form this version cannot read.`);
  return rule;
}

export function listRules(db: SqliteDatabase, model?: string): AlertRule[] {
  const rows = (
    model === undefined
      ? db.prepare(`${RULE_SELECT} ORDER BY m.name, r.rule_pk`).all()
      : db.prepare(`${RULE_SELECT} WHERE r.model_id = ? ORDER BY r.rule_pk`).all(modelId(db, model))
  ) as RuleRow[];
  return rows.flatMap((row) => toRule(row) ?? []);
}

export function createRule(db: SqliteDatabase, input: AlertRuleCreate & { rule: AlertRuleSpec }, now = Date.now()): AlertRule {
  const id = modelId(db, input.model.trim());
  const result = db
    .prepare('INSERT INTO alert_rules (model_id, rule_json, webhook_url, enabled, created_time) VALUES (?, ?, ?, ?, ?)')
    .run(id, JSON.stringify(input.rule), input.webhookUrl ?? null, input.enabled === false ? 0 : 1, now);
  return ruleOf(ruleRow(db, String(result.lastInsertRowid)));
}

/**
 * A rule disabled or given another condition resolves its open alerts: what they said is no
 * longer watched (an edited rule fires again on its next evaluation if its new condition holds).
 */
export function updateRule(db: SqliteDatabase, id: string, change: { rule?: AlertRuleSpec; webhookUrl?: string | null; enabled?: boolean }, now = Date.now()): AlertRule {
  const row = ruleRow(db, id);
  const ruleJson = change.rule ? JSON.stringify(change.rule) : row.rule_json;
  const enabled = change.enabled === undefined ? row.enabled : change.enabled ? 1 : 0;
  db.transaction(() => {
    db.prepare('UPDATE alert_rules SET rule_json = ?, webhook_url = ?, enabled = ? WHERE rule_pk = ?').run(
      ruleJson,
      change.webhookUrl === undefined ? row.webhook_url : change.webhookUrl,
      enabled,
      row.rule_pk,
    );
    if (enabled === 0 || ruleJson !== row.rule_json) {
      db.prepare(
        "UPDATE alerts SET state = 'resolved', resolved_time = ?, change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM alerts) WHERE rule_pk = ? AND state = 'firing'",
      ).run(now, row.rule_pk);
    }
  }).immediate();
  return ruleOf(ruleRow(db, id));
}

/** Deleting a rule deletes its alerts and their deliveries (they describe a rule that no longer exists). */
export function deleteRule(db: SqliteDatabase, id: string): void {
  const row = ruleRow(db, id);
  db.prepare('DELETE FROM alert_rules WHERE rule_pk = ?').run(row.rule_pk);
}

/** The enabled rules of a model, parsed, with their webhook. */
export function enabledRules(db: SqliteDatabase, modelIdValue: number): { pk: number; rule: AlertRuleSpec; webhookUrl: string | null }[] {
  const rows = db.prepare('SELECT rule_pk, rule_json, webhook_url FROM alert_rules WHERE model_id = ? AND enabled = 1 ORDER BY rule_pk').all(modelIdValue) as Pick<
    RuleRow,
    'rule_pk' | 'rule_json' | 'webhook_url'
  >[];
  return rows.flatMap((row) => {
    const rule = parseRuleSpec(row.rule_json);
    return rule ? [{ pk: row.rule_pk, rule, webhookUrl: row.webhook_url }] : [];
  });
}

const ALERT_SELECT = `SELECT a.alert_pk, a.rule_pk, m.name AS model, v.version, a.state, a.message, a.value, a.fired_time, a.resolved_time, a.evidence_json
  FROM alerts a JOIN alert_rules r ON r.rule_pk = a.rule_pk JOIN registered_models m ON m.model_id = r.model_id
  LEFT JOIN model_versions v ON v.version_pk = a.version_pk`;

function toAlert(row: AlertRow): Alert {
  const evidence = JSON.parse(row.evidence_json) as Partial<Alert['evidence']>;
  return {
    id: String(row.alert_pk),
    ruleId: String(row.rule_pk),
    model: row.model,
    version: row.version === null ? null : String(row.version),
    state: row.state,
    message: row.message,
    value: row.value,
    firedTime: row.fired_time,
    resolvedTime: row.resolved_time,
    evidence: { windows: evidence.windows ?? [], features: evidence.features ?? [] },
  };
}

export function listAlerts(db: SqliteDatabase, query: AlertQuery): Alert[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.model !== undefined) {
    where.push('r.model_id = ?');
    params.push(modelId(db, query.model));
  }
  if (query.state !== undefined) {
    where.push('a.state = ?');
    params.push(query.state);
  }
  const sql = `${ALERT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.fired_time DESC, a.alert_pk DESC LIMIT ?`;
  return (db.prepare(sql).all(...params, query.limit) as AlertRow[]).map(toAlert);
}

export function getAlert(db: SqliteDatabase, id: number): Alert | null {
  const row = db.prepare(`${ALERT_SELECT} WHERE a.alert_pk = ?`).get(id) as AlertRow | undefined;
  return row ? toAlert(row) : null;
}

interface DeliveryRow {
  delivery_pk: number;
  alert_pk: number;
  model: string;
  event: 'firing' | 'resolved';
  url: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  last_http_status: number | null;
  last_error: string | null;
  next_attempt_time: number | null;
  created_time: number;
  updated_time: number;
}

export function listDeliveries(db: SqliteDatabase, query: { model?: string; alertId?: string; limit: number }): WebhookDelivery[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.model !== undefined) {
    where.push('r.model_id = ?');
    params.push(modelId(db, query.model));
  }
  if (query.alertId !== undefined) {
    where.push('d.alert_pk = ?');
    params.push(Number(query.alertId));
  }
  const rows = db
    .prepare(
      `SELECT d.delivery_pk, d.alert_pk, m.name AS model, d.event, d.url, d.attempts, d.status, d.last_http_status, d.last_error,
         d.next_attempt_time, d.created_time, d.updated_time
       FROM webhook_deliveries d JOIN alerts a ON a.alert_pk = d.alert_pk JOIN alert_rules r ON r.rule_pk = a.rule_pk
       JOIN registered_models m ON m.model_id = r.model_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.delivery_pk DESC LIMIT ?`,
    )
    .all(...params, query.limit) as DeliveryRow[];
  const attempts = db.prepare('SELECT attempt, time, http_status, error FROM webhook_attempts WHERE delivery_pk = ? ORDER BY attempt');
  return rows.map((row) => ({
    id: String(row.delivery_pk),
    alertId: String(row.alert_pk),
    model: row.model,
    event: row.event,
    url: row.url,
    attempts: row.attempts,
    status: row.status,
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    nextAttemptTime: row.next_attempt_time,
    createdTime: row.created_time,
    updatedTime: row.updated_time,
    attemptLog: (attempts.all(row.delivery_pk) as { attempt: number; time: number; http_status: number | null; error: string | null }[]).map((a) => ({
      attempt: a.attempt,
      time: a.time,
      httpStatus: a.http_status,
      error: a.error,
    })),
  }));
}
