/**
 * Continuous-training policies, one per registered model (ct_policies, migration 21), and the
 * bookkeeping their triggers keep (what was seen when the policy last ran).
 */
import { CtPolicySchema, type CtPolicy } from '../../../../shared/automation.js';
import { describeIssues } from '../../../../shared/reviews.js';
import { invalidParameter, notFound } from '../../errors.js';
import type { SqliteDatabase } from '../../store/database.js';
import { currentTriggerState } from './ct-triggers.js';

/** What the triggers saw when the policy last started a run: only what is newer fires again. */
export interface TriggerState {
  /** Newest alert (id) that already started a run. */
  lastAlertId?: number;
  /** Labelled prediction rows of the model when a run last started. */
  labelledRows?: number;
  lastScheduleTime?: number;
  /** dataset name → the newest version already seen. */
  datasetVersions?: Record<string, number>;
}

/** Parses a policy for `model`; every problem is named by its field. The model in the body, if any, must match. */
export function parsePolicy(model: string, input: unknown): CtPolicy {
  const body = input !== null && typeof input === 'object' && !Array.isArray(input) ? { model, ...(input as Record<string, unknown>) } : input;
  const parsed = CtPolicySchema.safeParse(body);
  if (!parsed.success) throw invalidParameter(`Invalid continuous-training policy for ${model}: ${describeIssues(parsed.error)}.`);
  if (parsed.data.model !== model) throw invalidParameter(`Invalid continuous-training policy: model: it names '${parsed.data.model}' but is set on '${model}'.`);
  const alias = parsed.data.alias;
  if (alias.toLowerCase() === 'challenger') throw invalidParameter("Invalid continuous-training policy: alias: 'challenger' is the alias the pipeline gives new versions; promote to another (e.g. 'champion').");
  const dataParameter = parsed.data.dataParameter;
  if (Object.hasOwn(parsed.data.parameters, dataParameter)) {
    throw invalidParameter(`Invalid continuous-training policy: parameters.${dataParameter}: the pipeline fills this parameter (dataParameter) with the training data; leave it out, or name another with dataParameter.`);
  }
  for (const [i, gate] of parsed.data.qualityGates.entries()) {
    if (!Number.isFinite(gate.threshold)) throw invalidParameter(`Invalid continuous-training policy: qualityGates[${i}].threshold: must be a finite number.`);
  }
  return parsed.data;
}

function requireModel(db: SqliteDatabase, model: string): void {
  if (!db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(model)) throw notFound(`Registered Model with name=${model} not found`);
}

export function getPolicy(db: SqliteDatabase, model: string): CtPolicy | null {
  requireModel(db, model);
  const row = db.prepare('SELECT policy_json FROM ct_policies WHERE model_name = ?').get(model) as { policy_json: string } | undefined;
  return row ? CtPolicySchema.parse(JSON.parse(row.policy_json)) : null;
}

export function requirePolicy(db: SqliteDatabase, model: string): CtPolicy {
  const policy = getPolicy(db, model);
  if (!policy) throw notFound(`Model ${model} has no continuous-training policy; set one with \`mldesk ct policy set ${model} --file policy.yaml\`.`);
  return policy;
}

/** Replaces the model's policy (checked whole first; a bad one leaves the old in place). Trigger bookkeeping is kept. */
export function setPolicy(db: SqliteDatabase, model: string, input: unknown, now = Date.now()): CtPolicy {
  requireModel(db, model);
  const policy = parsePolicy(model, input);
  // A new policy's triggers start from what is there now: past alerts and rows do not fire it.
  const initial = JSON.stringify(currentTriggerState(db, policy, now));
  db.prepare(
    `INSERT INTO ct_policies (model_name, policy_json, state_json, updated_time) VALUES (?, ?, ?, ?)
     ON CONFLICT (model_name) DO UPDATE SET policy_json = excluded.policy_json, updated_time = excluded.updated_time`,
  ).run(model, JSON.stringify(policy), initial, now);
  return policy;
}

export function listPolicies(db: SqliteDatabase): CtPolicy[] {
  return listPolicyRecords(db).map((record) => record.policy);
}

/** Every stored policy that still parses (a row from a newer MLDesk is skipped), by model name. */
export function listPolicyRecords(db: SqliteDatabase): Array<{ policy: CtPolicy; updatedTime: number }> {
  const rows = db.prepare('SELECT policy_json, updated_time FROM ct_policies ORDER BY model_name').all() as { policy_json: string; updated_time: number }[];
  return rows.flatMap((row) => {
    const parsed = CtPolicySchema.safeParse(JSON.parse(row.policy_json));
    return parsed.success ? [{ policy: parsed.data, updatedTime: row.updated_time }] : [];
  });
}

export function readTriggerState(db: SqliteDatabase, model: string): TriggerState {
  const row = db.prepare('SELECT state_json FROM ct_policies WHERE model_name = ?').get(model) as { state_json: string } | undefined;
  return row ? (JSON.parse(row.state_json) as TriggerState) : {};
}

export function writeTriggerState(db: SqliteDatabase, model: string, state: TriggerState): void {
  db.prepare('UPDATE ct_policies SET state_json = ? WHERE model_name = ?').run(JSON.stringify(state), model);
}
