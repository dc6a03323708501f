import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertRuleSpecSchema, type AlertRuleSpec } from '../../../shared/alerts.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { ModelRegistry } from '../registry/model-registry.js';
import type { SqliteDatabase } from '../store/database.js';
import { evaluateAlerts, evaluateModelAlerts } from './alert-evaluation.js';
import { insertWindow, registerVersion, type FixtureMetric } from './alert-test-fixtures.js';
import { createRule, deleteRule, listAlerts, listDeliveries, updateRule } from './alerts-store.js';

let temp: TempStore;
let db: SqliteDatabase;
let versionPk: number;
let time = 1_000_000;

beforeEach(() => {
  temp = openTempStore('alerts');
  db = temp.store.db;
  versionPk = registerVersion(db, 'churn');
});
afterEach(() => temp.dispose());

const rule = (spec: Record<string, unknown>): AlertRuleSpec => AlertRuleSpecSchema.parse(spec);
const accuracy = (value: number): FixtureMetric[] => [{ kind: 'quality', column: 'accuracy', statistic: value }];
/** Stores a window and evaluates, as the window engine does. */
function windowThenEvaluate(metrics: FixtureMetric[]): string {
  time += 1000;
  const id = insertWindow(db, versionPk, time, metrics);
  evaluateAlerts(db, versionPk, time + 1000);
  return id;
}
const alerts = () => listAlerts(db, { model: 'churn', limit: 100 });

describe('evaluateAlerts', () => {
  it('fires once per episode after N consecutive windows, and resolves when the condition clears', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8, windows: 3 }) });
    windowThenEvaluate(accuracy(0.9));
    const low1 = windowThenEvaluate(accuracy(0.7));
    const low2 = windowThenEvaluate(accuracy(0.6));
    expect(alerts()).toEqual([]);
    const low3 = windowThenEvaluate(accuracy(0.65));
    expect(alerts()).toMatchObject([{ state: 'firing', version: '1', value: 0.65, resolvedTime: null, evidence: { windows: [low1, low2, low3], features: [] } }]);
    expect(alerts()[0]!.message).toBe('churn v1: accuracy below 0.8 for 3 consecutive windows (0.65)');
    // Still breaching: the same episode, no second alert.
    windowThenEvaluate(accuracy(0.5));
    evaluateAlerts(db, versionPk, time + 5000);
    expect(alerts()).toHaveLength(1);
    const fired = alerts()[0]!;
    windowThenEvaluate(accuracy(0.95));
    expect(alerts()).toMatchObject([{ id: fired.id, state: 'resolved', resolvedTime: time + 1000, firedTime: fired.firedTime }]);
    // A new episode is a new alert.
    for (const v of [0.1, 0.2, 0.3]) windowThenEvaluate(accuracy(v));
    expect(alerts().map((a) => a.state)).toEqual(['firing', 'resolved']);
  });

  it('counts only windows that say something: a window without labels neither breaks nor extends the run', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8, windows: 2 }) });
    const a = windowThenEvaluate(accuracy(0.7));
    windowThenEvaluate([]);
    expect(alerts()).toEqual([]);
    const b = windowThenEvaluate(accuracy(0.7));
    expect(alerts()).toMatchObject([{ state: 'firing', evidence: { windows: [a, b] } }]);
  });

  it('fires above the threshold for error metrics (rmse) unless told otherwise', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'rmse', threshold: 2 }) });
    windowThenEvaluate([{ kind: 'quality', column: 'rmse', statistic: 1.5 }]);
    expect(alerts()).toEqual([]);
    windowThenEvaluate([{ kind: 'quality', column: 'rmse', statistic: 2.5 }]);
    expect(alerts()).toMatchObject([{ state: 'firing', value: 2.5, message: 'churn v1: rmse above 2 (2.5)' }]);
  });

  it('dataset drift names the drifted features; a feature rule watches its feature only', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'dataset_drift' }) });
    createRule(db, { model: 'churn', rule: rule({ kind: 'feature_drift', feature: 'tenure' }) });
    const drifted: FixtureMetric[] = [
      { kind: 'dataset_drift', column: '*', method: 'share', statistic: 0.66, drifted: true },
      { kind: 'feature_drift', column: 'age', statistic: 0.3, drifted: true },
      { kind: 'feature_drift', column: 'plan', statistic: 0.4, drifted: true },
      { kind: 'feature_drift', column: 'tenure', statistic: 0.01, drifted: false },
    ];
    const w = windowThenEvaluate(drifted);
    expect(alerts()).toMatchObject([{ ruleId: '1', state: 'firing', value: 0.66, evidence: { windows: [w], features: ['age', 'plan'] } }]);
    expect(alerts()[0]!.message).toBe('churn v1: dataset drift (0.66): age, plan');
  });

  it('estimated quality below X and null rate above X', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'estimated_quality', metric: 'accuracy', threshold: 0.75 }) });
    createRule(db, { model: 'churn', rule: rule({ kind: 'null_rate', feature: 'age', threshold: 0.2 }) });
    windowThenEvaluate([
      { kind: 'estimated_quality', column: 'accuracy', statistic: 0.7 },
      { kind: 'null_rate', column: 'age', method: 'share', statistic: 0.1 },
    ]);
    expect(alerts().map((a) => a.ruleId)).toEqual(['1']);
    windowThenEvaluate([
      { kind: 'estimated_quality', column: 'accuracy', statistic: 0.8 },
      { kind: 'null_rate', column: 'age', method: 'share', statistic: 0.35 },
    ]);
    expect(alerts().map((a) => [a.ruleId, a.state])).toEqual([
      ['2', 'firing'],
      ['1', 'resolved'],
    ]);
    expect(alerts()[0]!.evidence.features).toEqual(['age']);
  });

  it('disabled and deleted rules fire nothing; a rule with a webhook queues one delivery per change', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }), enabled: false });
    const hooked = createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }), webhookUrl: 'http://127.0.0.1:9/hook' });
    windowThenEvaluate(accuracy(0.5));
    windowThenEvaluate(accuracy(0.4));
    windowThenEvaluate(accuracy(0.9));
    expect(alerts()).toHaveLength(1);
    expect(listDeliveries(db, { limit: 10 }).map((d) => [d.event, d.status, d.url])).toEqual([
      ['resolved', 'pending', 'http://127.0.0.1:9/hook'],
      ['firing', 'pending', 'http://127.0.0.1:9/hook'],
    ]);
    deleteRule(db, hooked.id);
    expect(alerts()).toEqual([]);
  });

  it('a rule added over stored windows answers at once; disabling it resolves its alert', () => {
    time += 1000;
    const w = insertWindow(db, versionPk, time, accuracy(0.5));
    const added = createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }) });
    expect(evaluateModelAlerts(db, 'churn', time)).toMatchObject([{ ruleId: added.id, state: 'firing', evidence: { windows: [w] } }]);
    updateRule(db, added.id, { enabled: false }, time + 1);
    expect(alerts()).toMatchObject([{ state: 'resolved', resolvedTime: time + 1 }]);
    updateRule(db, added.id, { enabled: true });
    expect(evaluateModelAlerts(db, 'churn', time + 2).map((a) => a.state)).toEqual(['firing']);
    expect(alerts().map((a) => a.state)).toEqual(['firing', 'resolved']);
  });

  it('resolves the open alerts of a version that is deleted', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }) });
    windowThenEvaluate(accuracy(0.5));
    const before = Date.now();
    new ModelRegistry(db).deleteVersion('churn', '1', { actor: 'test' });
    const [alert] = alerts();
    expect(alert).toMatchObject({ state: 'resolved', version: null });
    expect(alert!.resolvedTime).toBeGreaterThanOrEqual(before - 5);
    expect(alert!.resolvedTime).toBeLessThanOrEqual(Date.now() + 5);
  });

  it('each version has its own episode', () => {
    createRule(db, { model: 'churn', rule: rule({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }) });
    windowThenEvaluate(accuracy(0.5));
    versionPk = registerVersion(db, 'churn');
    windowThenEvaluate(accuracy(0.5));
    expect(alerts().map((a) => [a.version, a.state])).toEqual([
      ['2', 'firing'],
      ['1', 'firing'],
    ]);
  });
});

describe('rule schemas', () => {
  it('refuses bad rules naming the field', () => {
    const bad = AlertRuleSpecSchema.safeParse({ kind: 'quality', metric: ' ', threshold: 0.8, windows: 0 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'metric: must name a quality metric (cannot be empty)',
      'windows: must be at least 1 window',
    ]);
  });
});
