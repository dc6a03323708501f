/**
 * The canonical training config of a run and its hash: two runs with the same hash were asked to
 * compute the same thing (same template, target, task, hyperparameters with defaults filled in,
 * seed, dataset version and backend request), however the options were spelled.
 */
import { createHash } from 'node:crypto';
import type { TrainingConfig } from '../../../shared/lineage.js';
import type { BackendName } from '../training/backend.js';
import type { Hyperparameters, ModelTemplate } from '../training/hyperparams.js';
import type { Task } from '../training/table.js';

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function configSha256(config: TrainingConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

export interface ConfigInput {
  template: ModelTemplate;
  target: string;
  task?: Task;
  hyperparameters: Hyperparameters;
  /** `name@version` of the dataset version trained on, or `table:<name>`. */
  data: string;
  backend?: BackendName;
}

export function trainingConfig(input: ConfigInput): TrainingConfig {
  // Spelled out field by field: a Hyperparameters object with extra keys must not change the hash.
  const hp = input.hyperparameters;
  return {
    template: input.template,
    target: input.target,
    task: input.task ?? null,
    hyperparameters: {
      hiddenUnits: [...hp.hiddenUnits],
      activation: hp.activation,
      learningRate: hp.learningRate,
      batchSize: hp.batchSize,
      epochs: hp.epochs,
      dropout: hp.dropout,
      l2: hp.l2,
      optimizer: hp.optimizer,
      validationSplit: hp.validationSplit,
      earlyStoppingPatience: hp.earlyStoppingPatience,
      earlyStoppingMinDelta: hp.earlyStoppingMinDelta,
      seed: hp.seed,
      // Only when set, so the hash of every run trained before the option existed stays the same.
      ...(hp.keepIdColumns ? { keepIdColumns: true } : {}),
    },
    data: input.data,
    backend: input.backend ?? 'auto',
  };
}
