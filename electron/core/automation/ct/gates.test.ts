import { describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../../shared/app-api/pipelines.js';
import { judgeGates } from './gates.js';
import { pipelineJUnit } from './junit.js';
import { parsePolicy } from './policy-store.js';

const policy = { metric: { name: 'accuracy', goal: 'maximize' as const }, margin: 0.02, qualityGates: [{ metric: 'accuracy', op: '>=' as const, threshold: 0.8 }, { metric: 'log_loss', op: '<=' as const, threshold: 0.5 }] };

describe('judgeGates', () => {
  it('passes only a challenger that meets every threshold and beats the champion by the margin', () => {
    const gates = judgeGates(policy, { accuracy: 0.8, log_loss: 0.6 }, { accuracy: 0.85, log_loss: 0.4 });
    expect(gates.map((g) => [g.name, g.passed])).toEqual([
      ['accuracy >= 0.8', true],
      ['log_loss <= 0.5', true],
      ['accuracy: challenger beats champion by 0.02', true],
    ]);
    expect(gates[2]!.message).toBe('challenger accuracy 0.85 vs champion 0.8 (maximize): better by 0.05, meets the margin 0.02');
  });

  it('fails a gate with the numbers, a too-small win, and a missing metric (never passing by default)', () => {
    const gates = judgeGates(policy, { accuracy: 0.8 }, { accuracy: 0.81 });
    expect(gates.map((g) => g.passed)).toEqual([true, false, false]);
    expect(gates[1]!.message).toBe("the evaluation has no 'log_loss' figure for the challenger");
    expect(gates[2]!.message).toContain('better by 0.01, misses the margin 0.02');
    const lossy = judgeGates({ metric: { name: 'rmse', goal: 'minimize' }, margin: 0, qualityGates: [] }, { rmse: 2 }, { rmse: 2 });
    expect(lossy[0]!.passed).toBe(false);
    expect(judgeGates({ metric: { name: 'rmse', goal: 'minimize' }, margin: 0, qualityGates: [] }, { rmse: 2 }, { rmse: 1.5 })[0]!.passed).toBe(true);
  });
});

describe('parsePolicy', () => {
  it('names every field at fault', () => {
    expect(() => parsePolicy('m', { triggers: [], project: '', holdout: 'h', metric: { name: 'accuracy', goal: 'up' } })).toThrow(/triggers: .*; project: .*; metric\.goal: /);
    expect(() => parsePolicy('m', { model: 'other', triggers: [{ type: 'manual' }], project: 'p', holdout: 'h', metric: { name: 'a', goal: 'maximize' } })).toThrow("model: it names 'other' but is set on 'm'");
    expect(() => parsePolicy('m', { triggers: [{ type: 'manual' }], project: 'p', holdout: 'h', metric: { name: 'a', goal: 'maximize' }, alias: 'challenger' })).toThrow(/alias: 'challenger' is the alias/);
    expect(() => parsePolicy('m', 'text')).toThrow(/Invalid continuous-training policy for m/);
  });
});

describe('pipelineJUnit', () => {
  it('writes one testcase per step and per gate, failures with their numbers, escaped', () => {
    const step = (ordinal: number, name: PipelineRun['steps'][number]['step'], status: PipelineRun['steps'][number]['status'], detail: Record<string, unknown> = {}) => ({
      ordinal,
      step: name,
      status,
      jobId: null,
      startTime: 1000,
      endTime: 2500,
      detail,
      log: 'line <1> & more',
    });
    const gates = judgeGates(policy, { accuracy: 0.8, log_loss: 0.3 }, { accuracy: 0.7, log_loss: 0.3 });
    const run: PipelineRun = {
      id: 'a'.repeat(32),
      model: 'churn "A"',
      trigger: { type: 'manual', detail: 'by hand' },
      state: 'kept_champion',
      jobId: null,
      championVersion: '1',
      challengerVersion: '2',
      decision: 'Kept champion v1',
      createdTime: 0,
      endTime: 5000,
      steps: [step(0, 'trigger', 'succeeded'), step(1, 'data', 'succeeded'), step(2, 'train', 'succeeded'), step(3, 'evaluate', 'succeeded'), step(4, 'gate', 'succeeded', { gates }), step(5, 'promote', 'skipped', { decision: 'Kept champion v1' })],
    };
    const xml = pipelineJUnit(run);
    expect(xml).toContain('<testsuite name="pipeline churn &quot;A&quot;"');
    expect(xml).toContain('tests="9" failures="2" skipped="1"');
    expect(xml).toContain('name="2. data" time="1.500"');
    expect(xml).toContain('<system-out>line &lt;1&gt; &amp; more</system-out>');
    expect(xml).toContain('<failure message="challenger accuracy 0.7 &lt; 0.8">value 0.7, threshold 0.8, champion 0.8</failure>');
    expect(xml).toContain('<skipped message="Kept champion v1"/>');
  });
});
