/**
 * Scores a dataset version with a loaded model for a quality test: the figures the evaluation view
 * draws (the training evaluation's own code, so a test reads like a run's evaluation) and the
 * realised-quality metrics under the names the monitoring windows use.
 */
import type { RunEvaluation } from '../../../shared/evaluation.js';
import type { TypedTable } from '../data/typed-rows.js';
import { invalidParameter } from '../errors.js';
import { evaluateClassifier } from '../training/evaluation.js';
import { evaluateRegressor } from '../training/evaluation-regression.js';
import type { LoadedModel } from '../training/model-files.js';
import type { CellValue } from '../training/table.js';
import { classSet, type LabelledClassification } from './classification-quality.js';
import { labelledClassifierRows, regressionRows } from './window-quality.js';

export interface ScoredDataset {
  task: 'classification' | 'regression';
  rows: number;
  skipped: { missingLabel: number; unknownClass: number };
  metrics: Record<string, number | null>;
  evaluation: RunEvaluation;
}

/** Rows scored per call into the network: bounds the encoded batch's memory on big tables. */
const SCORE_BATCH = 8192;

/** The columns a model needs from a table: its inputs, and its target to score against. */
export function requireModelColumns(model: LoadedModel, table: TypedTable): void {
  const names = new Set(table.columns.map((c) => c.name));
  const missing = model.signature.inputs.map((i) => i.name).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw invalidParameter(`Dataset ${table.version.ref} lacks the model's input column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}.`);
  }
  if (!names.has(model.signature.output.name)) {
    throw invalidParameter(`Dataset ${table.version.ref} has no column '${model.signature.output.name}', the label the model predicts: a quality test needs it.`);
  }
}

export function scoreDataset(model: LoadedModel, table: TypedTable): ScoredDataset {
  requireModelColumns(model, table);
  const { preprocessing } = model;
  const targetIndex = table.columns.findIndex((c) => c.name === preprocessing.target.name);
  const featureIndex = preprocessing.features.map((f) => [f.name, table.columns.findIndex((c) => c.name === f.name)] as const);
  const classes = preprocessing.target.classes;
  const classIndex = new Map(classes?.map((c, i) => [c, i]));

  let missingLabel = 0;
  let unknownClass = 0;
  const kept: number[] = [];
  table.rows.forEach((row, i) => {
    const label = row[targetIndex];
    if (label === null || label === undefined) missingLabel++;
    else if (classes && !classIndex.has(String(label))) unknownClass++;
    else kept.push(i);
  });

  // Unknown categories read as all zeros whatever the model's serving policy: a test reports on
  // every labelled row rather than stopping at the first category training never saw.
  const width = classes && classes.length > 2 ? classes.length : 1;
  const scores = new Float32Array(kept.length * width);
  for (let start = 0; start < kept.length; start += SCORE_BATCH) {
    const records = kept.slice(start, start + SCORE_BATCH).map((i) => {
      const record: Record<string, CellValue> = {};
      for (const [name, index] of featureIndex) record[name] = table.rows[i]![index] ?? null;
      return record;
    });
    scores.set(model.scores(records, 'zeros'), start * width);
  }

  if (classes) {
    const labels = Int32Array.from(kept, (i) => classIndex.get(String(table.rows[i]![targetIndex]))!);
    const labelled: LabelledClassification[] = kept.map((_, r) => {
      const probabilities = classes.length === 2 ? [1 - scores[r]!, scores[r]!] : Array.from(scores.subarray(r * width, (r + 1) * width));
      let best = 0;
      for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c;
      return { label: classes[best]!, probabilities: Object.fromEntries(classes.map((c, j) => [c, probabilities[j]!])), actual: classes[labels[r]!]! };
    });
    const metrics = Object.fromEntries(labelledClassifierRows(labelled, classSet(classes)).map((m) => [m.column, m.statistic]));
    return { task: 'classification', rows: kept.length, skipped: { missingLabel, unknownClass }, metrics, evaluation: evaluateClassifier(labels, scores, classes) };
  }
  const mean = preprocessing.target.mean!;
  const std = preprocessing.target.std!;
  const actual = kept.map((i) => Number(table.rows[i]![targetIndex]));
  const predicted = Array.from(scores, (s) => s * std + mean);
  const metrics = Object.fromEntries(regressionRows(actual, predicted).map((m) => [m.column, m.statistic]));
  return { task: 'regression', rows: kept.length, skipped: { missingLabel, unknownClass }, metrics, evaluation: evaluateRegressor(actual, predicted) };
}
