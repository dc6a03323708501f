/**
 * The promote step's decision. Every gate must pass; then, when the policy auto-approves, the
 * policy records its approval (a review by `policy:<model>` with the gates) and moves the alias,
 * both in the registry's audit trail with the numbers; otherwise the challenger waits for a human
 * review in the usual flow. A challenger that fails a gate stays `challenger`; the champion stays.
 */
import type { CtPolicy } from '../../../../shared/automation.js';
import type { GateResult } from '../../../../shared/app-api/pipelines.js';
import type { ModelRegistry } from '../../registry/model-registry.js';
import type { EvaluateResult } from './pipeline-evaluate.js';

export interface PromoteInput {
  registry: ModelRegistry;
  policy: CtPolicy;
  pipelineId: string;
  champion: string;
  challenger: string;
  metric: string;
  evaluation: EvaluateResult;
  gates: GateResult[];
}

export interface PromoteResult {
  state: 'promoted' | 'kept_champion' | 'waiting_review';
  decision: string;
}

const fmt = (value: number | null): string => (value === null ? 'n/a' : Number.isInteger(value) ? String(value) : value.toFixed(4));

export function promote(input: PromoteInput): PromoteResult {
  const { registry, policy, evaluation, gates } = input;
  const model = policy.model;
  const actor = `policy:${model}`;
  const figures =
    `${input.metric} on ${evaluation.holdout.ref}: challenger v${input.challenger} ${fmt(evaluation.challenger.metrics[input.metric] ?? null)}, ` +
    `champion v${input.champion} ${fmt(evaluation.champion.metrics[input.metric] ?? null)}`;
  const failed = gates.filter((g) => !g.passed);
  if (failed.length > 0) {
    return {
      state: 'kept_champion',
      decision: `Kept champion v${input.champion}: ${failed.length} of ${gates.length} gate(s) failed (${failed.map((g) => `${g.name}: ${g.message}`).join('; ')}). ${figures}. v${input.challenger} stays '${'challenger'}'.`,
    };
  }
  if (!policy.autoApprove) {
    return {
      state: 'waiting_review',
      decision:
        `Every gate passed (${figures}); the policy does not auto-approve, so v${input.challenger} waits for a human review: ` +
        `approve it (\`mldesk models approve ${model} ${input.challenger}\`), then point '${policy.alias}' at it.`,
    };
  }
  const decision = `Policy ${actor} promoted v${input.challenger} to '${policy.alias}' (was v${input.champion}) in pipeline ${input.pipelineId}: all ${gates.length} gate(s) passed; ${figures}.`;
  registry.approvals.review(model, input.challenger, {
    reviewer: actor,
    reviewerDisplay: `continuous-training policy of ${model}`,
    decision: 'approved',
    comment: decision,
    gates,
  });
  registry.setAlias(model, policy.alias, input.challenger, { actor, actorDisplay: `continuous-training policy of ${model}`, reason: decision });
  // It is the champion now: no longer a challenger to shadow-score.
  registry.deleteAlias(model, 'challenger', { actor, reason: `pipeline ${input.pipelineId}: v${input.challenger} promoted to '${policy.alias}'` });
  return { state: 'promoted', decision };
}
