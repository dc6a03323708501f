/**
 * A handoff package's model card: model-card.json (ModelCardSchema) and the same as markdown for
 * people (model-card.md). Built from what the registry, lineage, evaluation and quality tests hold.
 */
import type { ModelCard } from '../../../shared/app-api/handoff.js';
import type { QualityTest } from '../../../shared/app-api/quality-tests.js';
import type { RunLineage } from '../../../shared/lineage.js';
import type { ModelVersion, ModelVersionReview, RegisteredModel } from '../registry/registry-types.js';
import type { ModelSignature } from '../training/model-files.js';

export interface ModelCardInput {
  model: RegisteredModel;
  version: ModelVersion;
  signature: ModelSignature;
  lineage: RunLineage | null;
  metrics: Record<string, number>;
  evaluation: Record<string, unknown> | null;
  qualityTests: QualityTest[];
  reviews: ModelVersionReview[];
  /** The version's reference profile for drift monitoring: null when it has none. */
  referenceStatus: 'pending' | 'ready' | 'failed' | null;
}

export function modelCard(input: ModelCardInput): ModelCard {
  const { model, version, signature, lineage } = input;
  const intendedUse = [model.description.trim(), version.description.trim()].filter((text) => text !== '').join('\n\n');
  const caveats = [
    'Numbers outside the range a feature had in training are scored, with a warning in the answer and the prediction log: the model extrapolates there.',
    'A category not seen in training is refused (a 400 naming the row and field); a missing value is imputed (the median or the most frequent category in training).',
    ...(signature.ignoredColumns.length > 0 ? [`Columns left out of the features in training: ${signature.ignoredColumns.join(', ')}.`] : []),
    ...(signature.output.task === 'classification' ? ['Probabilities come from a softmax and are not calibrated; monitoring estimates quality from them (CBPE) until labels arrive.'] : []),
    ...(input.qualityTests.flatMap((t) => (t.overlap.warning ? [`Quality test on ${t.dataset.ref}: ${t.overlap.warning}`] : []))),
    ...(lineage === null ? ['No training lineage was recorded for this version (it was not trained by MLDesk): data, code and seed are unknown.'] : []),
    ...(input.referenceStatus === 'ready'
      ? []
      : input.referenceStatus === 'pending'
        ? ['The reference profile for drift monitoring is computed when the package is exported.']
        : ['No reference profile for drift monitoring: serving-side drift checks need one set by hand (`mldesk monitor reference`).']),
  ];
  return {
    model: version.name,
    version: version.version,
    intendedUse: intendedUse || `Not described: the model and version in the registry have no description. Predicts ${signature.output.name} (${signature.output.task}).`,
    task: signature.output.task,
    target: signature.output.name,
    ...(signature.output.classes ? { classes: signature.output.classes } : {}),
    trainingData: lineage ? { ref: lineage.data.ref, name: lineage.data.name, sha256: lineage.data.sha256, rows: lineage.data.rows } : null,
    metrics: input.metrics,
    evaluation: input.evaluation,
    qualityTests: input.qualityTests.map((t) => ({
      dataset: { ref: t.dataset.ref, name: t.dataset.ref.split('@')[0] ?? t.dataset.ref, sha256: t.dataset.sha256, rows: t.dataset.rows },
      rows: t.rows,
      metrics: t.metrics,
      overlapWarning: t.overlap.warning,
      time: t.createdTime,
    })),
    approvals: input.reviews.map((r) => ({ reviewer: r.reviewer_identity ?? `${r.reviewer_display} (unverified)`, decision: r.decision, comment: r.comment, time: r.created_time })),
    limits: {
      features: signature.inputs.map((f) => ({ name: f.name, type: f.type, ...(f.range ? { min: f.range.min, max: f.range.max } : {}), ...(f.categories ? { categories: f.categories } : {}) })),
      caveats,
    },
    lineage: { runId: lineage?.runId ?? (version.run_id || null), codeCommit: lineage?.code.git?.commit ?? null, seed: lineage?.config.hyperparameters.seed ?? null },
  };
}

/** Markdown table cells may not hold `|` or line breaks. */
const cell = (value: unknown) => String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const figure = (value: number | null) => (value === null ? 'n/a' : Number.isInteger(value) ? String(value) : value.toPrecision(4));
const date = (time: number) => new Date(time).toISOString().slice(0, 16).replace('T', ' ');

export function modelCardMarkdown(card: ModelCard): string {
  const lines: string[] = [`# Model card: ${card.model} version ${card.version}`, '', '## Intended use', '', card.intendedUse, ''];
  lines.push(`Task: ${card.task}, predicting \`${card.target}\`${card.classes ? ` (classes: ${card.classes.join(', ')})` : ''}.`, '');
  lines.push('## Training data', '');
  if (card.trainingData) {
    lines.push(`${card.trainingData.ref ?? card.trainingData.name}, ${card.trainingData.rows} rows, sha256 \`${card.trainingData.sha256 ?? 'unknown'}\`.`, '');
  } else lines.push('Unknown: no lineage was recorded.', '');
  lines.push('## Metrics', '');
  const metrics = Object.entries(card.metrics).sort(([a], [b]) => a.localeCompare(b));
  if (metrics.length > 0) lines.push('| metric | value |', '|---|---|', ...metrics.map(([k, v]) => `| ${cell(k)} | ${figure(v)} |`), '');
  else lines.push('None logged.', '');
  lines.push('## Evaluation and quality tests', '');
  if (card.evaluation) lines.push(`Validation split: ${Object.entries(card.evaluation).filter(([, v]) => typeof v === 'number' || typeof v === 'string').map(([k, v]) => `${k} ${typeof v === 'number' ? figure(v) : v}`).join(', ')}.`, '');
  for (const test of card.qualityTests) {
    const shown = Object.entries(test.metrics).filter(([k]) => !k.includes(':')).map(([k, v]) => `${k} ${figure(v)}`).join(', ');
    lines.push(`- ${date(test.time)} on ${test.dataset.ref ?? test.dataset.name} (${test.rows} rows, sha256 \`${test.dataset.sha256?.slice(0, 12) ?? '?'}…\`): ${shown}${test.overlapWarning ? `. Warning: ${test.overlapWarning}` : ''}`);
  }
  if (card.qualityTests.length === 0) lines.push('No quality tests were run on this version.');
  lines.push('', '## Approvals', '');
  if (card.approvals.length === 0) lines.push('None.');
  for (const review of card.approvals) lines.push(`- ${date(review.time)} ${review.decision} by ${review.reviewer}${review.comment ? `: ${cell(review.comment)}` : ''}`);
  lines.push('', '## Limits', '', '| feature | type | training range or categories |', '|---|---|---|');
  for (const f of card.limits.features) {
    lines.push(`| ${cell(f.name)} | ${f.type} | ${f.min !== undefined ? `${figure(f.min)} to ${figure(f.max ?? null)}` : cell((f.categories ?? []).join(', '))} |`);
  }
  lines.push('', ...card.limits.caveats.map((c) => `- ${c}`), '', '## Lineage', '');
  lines.push(`Run \`${card.lineage.runId ?? 'unknown'}\`, code commit \`${card.lineage.codeCommit ?? 'unknown'}\`, seed ${card.lineage.seed ?? 'unknown'} (lineage.json has the rest).`, '');
  return lines.join('\n');
}
