/**
 * The gate step's judgement: each of the policy's quality gates on the challenger's held-out
 * figures, and "the challenger beats the champion by the margin" on the policy's metric. A metric
 * the evaluation did not produce fails its gate (named), never passes by default.
 */
import type { CtPolicy } from '../../../../shared/automation.js';
import type { GateResult } from '../../../../shared/app-api/pipelines.js';

export type Metrics = Record<string, number | null>;

const fmt = (value: number): string => (Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, ''));

function value(metrics: Metrics, name: string): number | null {
  const found = metrics[name];
  return typeof found === 'number' && Number.isFinite(found) ? found : null;
}

export function judgeGates(policy: Pick<CtPolicy, 'qualityGates' | 'metric' | 'margin'>, champion: Metrics, challenger: Metrics): GateResult[] {
  const results: GateResult[] = policy.qualityGates.map((gate) => {
    const got = value(challenger, gate.metric);
    const name = `${gate.metric} ${gate.op} ${fmt(gate.threshold)}`;
    if (got === null) return { name, metric: gate.metric, op: gate.op, threshold: gate.threshold, value: null, champion: null, passed: false, message: `the evaluation has no '${gate.metric}' figure for the challenger` };
    const passed = gate.op === '>=' ? got >= gate.threshold : got <= gate.threshold;
    return {
      name,
      metric: gate.metric,
      op: gate.op,
      threshold: gate.threshold,
      value: got,
      champion: value(champion, gate.metric),
      passed,
      message: `challenger ${gate.metric} ${fmt(got)} ${passed ? (gate.op === '>=' ? '>=' : '<=') : gate.op === '>=' ? '<' : '>'} ${fmt(gate.threshold)}`,
    };
  });
  const { name: metric, goal } = policy.metric;
  const mine = value(challenger, metric);
  const theirs = value(champion, metric);
  const name = `${metric}: challenger beats champion by ${fmt(policy.margin)}`;
  if (mine === null || theirs === null) {
    const missing = [mine === null ? 'challenger' : null, theirs === null ? 'champion' : null].filter(Boolean).join(' and ');
    results.push({ name, metric, op: 'beats', threshold: policy.margin, value: mine, champion: theirs, passed: false, message: `the evaluation has no '${metric}' figure for the ${missing}` });
    return results;
  }
  const improvement = goal === 'maximize' ? mine - theirs : theirs - mine;
  // Beating means strictly better; the margin asks for at least that much better.
  const passed = improvement > 0 && improvement >= policy.margin - 1e-12;
  results.push({
    name,
    metric,
    op: 'beats',
    threshold: policy.margin,
    value: mine,
    champion: theirs,
    passed,
    message: `challenger ${metric} ${fmt(mine)} vs champion ${fmt(theirs)} (${goal}): ${improvement >= 0 ? 'better' : 'worse'} by ${fmt(Math.abs(improvement))}, ${passed ? 'meets' : 'misses'} the margin ${fmt(policy.margin)}`,
  });
  return results;
}
