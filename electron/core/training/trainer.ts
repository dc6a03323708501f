/**
 * The training loop of the tabular templates, in-process: split, preprocessing, model, epochs with
 * seeded shuffling, validation metrics, early stopping with best-weight restore. The worker
 * (train-worker.ts) wraps it with the store; benchmarks and tests call it directly.
 */
import type { Sequential, Tensor } from '@tensorflow/tfjs';
import { invalidParameter, MLDeskError } from '../errors.js';
import type { Tf } from './backend.js';
import type { Hyperparameters } from './hyperparams.js';
import type { RunEvaluation } from '../../../shared/evaluation.js';
import { evaluateClassifier } from './evaluation.js';
import { evaluateRegressor } from './evaluation-regression.js';
import { classificationMetrics, meanSquaredError, regressionMetrics } from './metrics.js';
import { buildMlp, dataLoss, forward, headOf, l2Penalty, makeOptimizer, type Head } from './mlp-model.js';
import { encodeTableRows, encodeTarget, fitPreprocessing, labelledRows, type Preprocessing } from './preprocessing.js';
import { SeededRandom, splitIndices } from './prng.js';
import { columnIndex, inferTask, type Task, type TrainingTable } from './table.js';

export type EpochMetrics = Record<string, number>;

/** Where per-epoch metrics go: the run in the store, or nowhere (benchmarks' baseline). */
export interface TrainingLogger {
  logEpoch(step: number, metrics: EpochMetrics): void;
}

export const NO_OP_LOGGER: TrainingLogger = { logEpoch() {} };

export interface TrainingProgress {
  /** 'batch' updates come at most every progressIntervalMs inside long epochs. */
  phase: 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  elapsedMs: number;
  /** Time to the last epoch; early stopping may end sooner. */
  etaMs: number;
  metrics: EpochMetrics;
}

export interface PreparedData {
  task: Task;
  head: Head;
  preprocessing: Preprocessing;
  labelledRows: number;
  trainRows: number;
  validationRows: number;
}

export interface TrainOptions {
  tf: Tf;
  table: TrainingTable;
  target: string;
  task?: Task;
  hyperparameters: Hyperparameters;
  logger?: TrainingLogger;
  onPrepared?: (prepared: PreparedData) => void;
  onProgress?: (progress: TrainingProgress) => void;
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export interface TrainResult extends PreparedData {
  model: Sequential;
  history: EpochMetrics[];
  /** Metrics of the returned model (the restored best epoch when early stopping restored one), evaluation summaries included. */
  finalMetrics: EpochMetrics;
  /** The returned model's figures on the validation split; null without one. */
  evaluation: RunEvaluation | null;
  epochsRun: number;
  /** The epoch whose weights the model has; null without validation. */
  bestEpoch: number | null;
  stoppedEarly: boolean;
  /** Time in optimizer steps only, and training rows per second of it. */
  trainSeconds: number;
  samplesPerSecond: number;
}

const MAX_CLASSES = 1000;
const PREDICT_CHUNK = 8192;

export class TrainingCancelled extends MLDeskError {
  constructor() {
    super('INVALID_STATE', 'Training was cancelled.');
    this.name = 'TrainingCancelled';
  }
}

function checkTask(table: TrainingTable, target: string, task: Task): void {
  const type = table.columns[columnIndex(table, target, 'target')]!.type;
  if (task === 'regression' && type !== 'numeric' && type !== 'integer') {
    throw invalidParameter(`Regression needs a numeric target, but '${target}' is ${type}; use --task classification.`);
  }
  if (task === 'classification' && type === 'text') throw invalidParameter(`The target '${target}' holds free text, not class labels.`);
}

/** Splits rows and fits preprocessing: everything before the first tensor. */
export function prepareData(table: TrainingTable, target: string, taskOption: Task | undefined, hp: Hyperparameters, random: SeededRandom) {
  const task = taskOption ?? inferTask(table, target);
  checkTask(table, target, task);
  const labelled = labelledRows(table, target);
  if (labelled.length < 2) throw invalidParameter(`The target '${target}' is filled in on ${labelled.length} row(s); training needs at least 2.`);
  const targetIndex = columnIndex(table, target);
  let strata: Int32Array | undefined;
  if (task === 'classification') {
    const ids = new Map<string, number>();
    strata = Int32Array.from(labelled, (row) => {
      const label = String(table.rows[row]![targetIndex]);
      if (!ids.has(label)) ids.set(label, ids.size);
      return ids.get(label)!;
    });
    if (ids.size > MAX_CLASSES) throw invalidParameter(`The target '${target}' has ${ids.size} distinct values; classification supports at most ${MAX_CLASSES} classes.`);
  }
  const split = splitIndices(labelled.length, hp.validationSplit, random, strata);
  const trainRows = split.train.map((position) => labelled[position]!);
  const validationRows = split.validation.map((position) => labelled[position]!);
  const preprocessing = fitPreprocessing(table, target, task, trainRows, { keepIdColumns: hp.keepIdColumns });
  const head = headOf(task, preprocessing.target.classes?.length ?? 0);
  return { task, head, preprocessing, labelled, trainRows, validationRows };
}

const yield_ = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { tf, table, target, hyperparameters: hp } = options;
  const logger = options.logger ?? NO_OP_LOGGER;
  // One stream per purpose, forked in a fixed order: changing e.g. the dropout rate leaves the
  // split and the initial weights of a seed unchanged.
  const root = new SeededRandom(hp.seed);
  const [splitRandom, initRandom, epochRandom, dropoutRandom] = [root.fork(), root.fork(), root.fork(), root.fork()];
  const prepared = prepareData(table, target, options.task, hp, splitRandom);
  const { task, head, preprocessing } = prepared;
  const classes = preprocessing.target.classes?.length ?? 0;
  const nTrain = prepared.trainRows.length;
  const nVal = prepared.validationRows.length;
  options.onPrepared?.({ task, head, preprocessing, labelledRows: prepared.labelled.length, trainRows: nTrain, validationRows: nVal });

  const width = preprocessing.inputWidth;
  const yTrainValues = encodeTarget(preprocessing, table, prepared.trainRows);
  const yValValues = encodeTarget(preprocessing, table, prepared.validationRows);
  const targetIdx = columnIndex(table, target);
  const valActual = Float64Array.from(prepared.validationRows, (row) => table.rows[row]![targetIdx] as number);
  const xTrain = tf.tensor2d(encodeTableRows(preprocessing, table, prepared.trainRows), [nTrain, width]);
  const xVal = nVal > 0 ? tf.tensor2d(encodeTableRows(preprocessing, table, prepared.validationRows), [nVal, width]) : null;
  const yTrain = head === 'multiclass' ? tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(yTrainValues), 'int32'), classes).toFloat()) : tf.tensor2d(yTrainValues, [nTrain, 1]);

  const model = buildMlp(tf, width, head, classes, hp, initRandom);
  const optimizer = makeOptimizer(tf, hp);
  const history: EpochMetrics[] = [];
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  const batches = Math.ceil(nTrain / hp.batchSize);
  const earlyStopping = nVal > 0 && hp.earlyStoppingPatience > 0;
  let best: { loss: number; epoch: number; weights: Float32Array[] } | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  let restoredMetrics: EpochMetrics | undefined;
  let evaluation: RunEvaluation | null = null;
  let evaluationMetrics: EpochMetrics = {};
  let trainMs = 0;
  const started = performance.now();
  let lastYield = started;
  let lastProgress = started;
  const interval = options.progressIntervalMs ?? 1000;

  const predictScores = (x: Tensor, n: number): Float32Array => {
    const out = new Float32Array(n * (head === 'multiclass' ? classes : 1));
    for (let start = 0; start < n; start += PREDICT_CHUNK) {
      const size = Math.min(PREDICT_CHUNK, n - start);
      const scores = tf.tidy(() => forward(tf, model, x.slice([start, 0], [size, width]), false));
      out.set(scores.dataSync() as Float32Array, start * (head === 'multiclass' ? classes : 1));
      scores.dispose();
    }
    return out;
  };

  try {
    for (let epoch = 1; epoch <= hp.epochs; epoch++) {
      epochRandom.shuffle(order);
      const stats: Tensor[] = [];
      for (let b = 0; b < batches; b++) {
        const stepStart = performance.now();
        const indices = tf.tensor1d(order.subarray(b * hp.batchSize, Math.min(nTrain, (b + 1) * hp.batchSize)), 'int32');
        const size = indices.shape[0];
        stats.push(
          tf.tidy(() => {
            const xb = tf.gather(xTrain, indices);
            const yb = tf.gather(yTrain, indices);
            let running: Tensor[] = [];
            const cost = optimizer.minimize(() => {
              const pred = forward(tf, model, xb, true, dropoutRandom);
              // Kept out of the gradient tape's clean-up: running training metrics, Keras-style.
              running = runningStats(tf, head, yb, pred).map((t) => tf.keep(t));
              const penalty = l2Penalty(tf, model, hp.l2);
              const loss = dataLoss(tf, head, yb, pred);
              return penalty ? tf.add(loss, penalty) : loss;
            }, true)!;
            const row = tf.stack([tf.mul(cost, size), ...running]);
            tf.dispose(running);
            return row;
          }),
        );
        indices.dispose();
        const now = performance.now();
        trainMs += now - stepStart;
        // Training is synchronous on the cpu and wasm backends: without a turn of the event loop
        // now and then, timers (system metrics) and IPC (progress) would wait for the end.
        if (now - lastYield > 50) {
          await yield_();
          lastYield = performance.now();
          if (options.signal?.aborted) throw new TrainingCancelled();
        }
        if (options.onProgress && now - lastProgress > interval && b + 1 < batches) {
          lastProgress = now;
          const done = epoch - 1 + (b + 1) / batches;
          const elapsedMs = now - started;
          options.onProgress({ phase: 'batch', epoch, epochs: hp.epochs, batch: b + 1, batches, elapsedMs, etaMs: (elapsedMs / done) * (hp.epochs - done), metrics: history.at(-1) ?? {} });
        }
      }
      const sums = tf.tidy(() => tf.sum(tf.stack(stats), 0));
      const totals = Array.from(sums.dataSync());
      tf.dispose([...stats, sums]);
      const metrics = epochMetrics(head, totals, nTrain, preprocessing);
      if (xVal) {
        Object.assign(metrics, validationMetrics(head, classes, yValValues, predictScores(xVal, nVal), valActual, preprocessing, penaltyValue(tf, model, hp.l2)));
      }
      if (!Number.isFinite(metrics.loss!)) {
        throw new MLDeskError('INVALID_STATE', `Training diverged: the loss is ${metrics.loss} at epoch ${epoch}. Try a smaller learning_rate or a larger batch_size.`);
      }
      history.push(metrics);
      logger.logEpoch(epoch, metrics);
      const elapsedMs = performance.now() - started;
      options.onProgress?.({ phase: 'epoch', epoch, epochs: hp.epochs, batch: batches, batches, elapsedMs, etaMs: (elapsedMs / epoch) * (hp.epochs - epoch), metrics });
      lastProgress = performance.now();
      if (earlyStopping) {
        const valLoss = metrics.val_loss!;
        if (!best || valLoss < best.loss - hp.earlyStoppingMinDelta) {
          best = { loss: valLoss, epoch, weights: model.getWeights().map((w) => (w.dataSync() as Float32Array).slice()) };
          sinceBest = 0;
        } else if (++sinceBest >= hp.earlyStoppingPatience) {
          stoppedEarly = epoch < hp.epochs;
          break;
        }
      }
    }
    if (best && best.epoch !== history.length) {
      const shapes = model.getWeights().map((w) => w.shape);
      const restored = best.weights.map((values, i) => tf.tensor(values, shapes[i]));
      model.setWeights(restored);
      tf.dispose(restored);
      // Validation figures recomputed from the restored weights (they must equal that epoch's):
      // logged one step after the last epoch, so the run's latest metrics describe the saved model.
      const again = validationMetrics(head, classes, yValValues, predictScores(xVal!, nVal), valActual, preprocessing, penaltyValue(tf, model, hp.l2));
      restoredMetrics = { ...history[best.epoch - 1]!, ...again, restored_epoch: best.epoch, stopped_epoch: history.length };
      logger.logEpoch(history.length + 1, restoredMetrics);
    }
    if (xVal) {
      // Once, on the final weights: the figures describe the saved model.
      const scores = predictScores(xVal, nVal);
      if (head === 'regression') {
        const { mean, std } = preprocessing.target as { mean: number; std: number };
        evaluation = evaluateRegressor(valActual, Float64Array.from(scores, (s) => s * std + mean));
      } else evaluation = evaluateClassifier(yValValues, scores, preprocessing.target.classes!);
      const final = restoredMetrics ?? history.at(-1)!;
      // Summaries the epochs already logged (val_auc) are not logged twice.
      evaluationMetrics = Object.fromEntries(Object.entries(evaluation.summary.metrics).filter(([key]) => !(key in final)));
      if (Object.keys(evaluationMetrics).length) logger.logEpoch(restoredMetrics ? history.length + 1 : history.length, evaluationMetrics);
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([xTrain, yTrain, ...(xVal ? [xVal] : [])]);
    optimizer.dispose();
  }

  const epochsRun = history.length;
  const finalMetrics = { ...(restoredMetrics ?? history.at(-1)!), ...evaluationMetrics };
  const bestEpoch = best ? best.epoch : nVal > 0 ? epochsRun : null;
  const trainSeconds = trainMs / 1000;
  return { task, head, preprocessing, labelledRows: prepared.labelled.length, trainRows: nTrain, validationRows: nVal, model, history, finalMetrics, evaluation, epochsRun, bestEpoch, stoppedEarly, trainSeconds, samplesPerSecond: (nTrain * epochsRun) / trainSeconds };
}

function penaltyValue(tf: Tf, model: Sequential, l2: number): number {
  const penalty = tf.tidy(() => l2Penalty(tf, model, l2) ?? tf.scalar(0));
  const value = penalty.dataSync()[0]!;
  penalty.dispose();
  return value;
}

/** Per-batch sums for running training metrics: correct predictions, or squared and absolute errors. */
function runningStats(tf: Tf, head: Head, yb: Tensor, pred: Tensor): Tensor[] {
  if (head === 'binary') return [tf.sum(tf.cast(tf.equal(tf.cast(tf.greaterEqual(pred, 0.5), 'float32'), yb), 'float32'))];
  if (head === 'multiclass') return [tf.sum(tf.cast(tf.equal(tf.argMax(pred, 1), tf.argMax(yb, 1)), 'float32'))];
  const error = tf.sub(pred, yb);
  return [tf.sum(tf.square(error)), tf.sum(tf.abs(error))];
}

/** Training metrics of an epoch from the summed batch statistics (running values, as Keras reports). */
function epochMetrics(head: Head, totals: number[], n: number, prep: Preprocessing): EpochMetrics {
  const loss = totals[0]! / n;
  if (head !== 'regression') return { loss, accuracy: totals[1]! / n };
  // Errors are in standardised units; the target's training variance is 1 there, so R2 = 1 - MSE.
  const std = prep.target.std!;
  const mse = totals[1]! / n;
  return { loss, rmse: Math.sqrt(mse) * std, mae: (totals[2]! / n) * std, r2: 1 - mse };
}

function validationMetrics(head: Head, classes: number, encoded: Float32Array, scores: Float32Array, actual: Float64Array, prep: Preprocessing, penalty: number): EpochMetrics {
  if (head !== 'regression') {
    const m = classificationMetrics(encoded, scores, classes);
    return { val_loss: m.loss + penalty, val_accuracy: m.accuracy, val_auc: m.auc, val_f1: m.f1 };
  }
  const { mean, std } = prep.target as { mean: number; std: number };
  const predicted = Float64Array.from(scores, (s) => s * std + mean);
  const m = regressionMetrics(actual, predicted);
  return { val_loss: meanSquaredError(encoded, scores) + penalty, val_rmse: m.rmse, val_mae: m.mae, val_r2: m.r2 };
}
