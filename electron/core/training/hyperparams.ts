/**
 * Hyperparameters of the tabular templates, their defaults, and their names as run params. Every
 * value, defaults included, is logged as a param so a run can be reproduced from its params alone:
 * the param names here are also the keys `--param KEY=VALUE` accepts.
 */
import { invalidParameter } from '../errors.js';
import { MAX_SEED } from './prng.js';

export const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;
export const MODEL_TEMPLATES = ['mlp'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type ModelTemplate = (typeof MODEL_TEMPLATES)[number];

export interface Hyperparameters {
  /** Units of each hidden layer; empty gives a linear (or logistic) model. */
  hiddenUnits: number[];
  activation: Activation;
  learningRate: number;
  batchSize: number;
  /** Upper bound: early stopping usually ends training sooner. */
  epochs: number;
  /** Dropout rate after each hidden layer; 0 leaves dropout out. */
  dropout: number;
  /** L2 penalty on the kernels (Keras semantics: l2 * sum(w^2), added to the loss). */
  l2: number;
  optimizer: OptimizerName;
  /** Share of rows held out for validation metrics and early stopping; 0 trains on everything. */
  validationSplit: number;
  /** Epochs without a val_loss improvement before stopping; 0 never stops early. */
  earlyStoppingPatience: number;
  /** Smallest decrease of val_loss that counts as an improvement. */
  earlyStoppingMinDelta: number;
  seed: number;
  /** Train on integer columns that look like row or customer ids instead of leaving them out. */
  keepIdColumns: boolean;
}

/** The defaults: Keras's where Keras has one (adam at 1e-3, batch 32), a mid-sized MLP otherwise. */
export const DEFAULT_HYPERPARAMETERS: Omit<Hyperparameters, 'seed'> = {
  hiddenUnits: [64, 64],
  activation: 'relu',
  learningRate: 0.001,
  batchSize: 32,
  epochs: 100,
  dropout: 0,
  l2: 0,
  optimizer: 'adam',
  validationSplit: 0.2,
  earlyStoppingPatience: 10,
  earlyStoppingMinDelta: 0,
  keepIdColumns: false,
};

type Spec = { [K in keyof Hyperparameters]: { param: string; parse: (text: string) => Hyperparameters[K]; format: (value: Hyperparameters[K]) => string } };

const number = (param: string, min: number, max: number, integer = false) => (text: string): number => {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw invalidParameter(`Invalid value '${text}' for parameter '${param}': expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  return value;
};

const oneOf = <T extends string>(param: string, allowed: readonly T[]) => (text: string): T => {
  const value = text.trim().toLowerCase() as T;
  if (!allowed.includes(value)) throw invalidParameter(`Invalid value '${text}' for parameter '${param}': expected one of ${allowed.join(', ')}.`);
  return value;
};

const flag = (param: string) => (text: string): boolean => {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw invalidParameter(`Invalid value '${text}' for parameter '${param}': expected true or false.`);
};

function units(text: string): number[] {
  const inner = text.trim().replace(/^\[|\]$/g, '').trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => number('hidden_units', 1, 4096, true)(part));
}

const SPEC: Spec = {
  hiddenUnits: { param: 'hidden_units', parse: units, format: (value) => JSON.stringify(value) },
  activation: { param: 'activation', parse: oneOf('activation', ACTIVATIONS), format: String },
  learningRate: { param: 'learning_rate', parse: number('learning_rate', 1e-8, 10), format: String },
  batchSize: { param: 'batch_size', parse: number('batch_size', 1, 1_000_000, true), format: String },
  epochs: { param: 'epochs', parse: number('epochs', 1, 100_000, true), format: String },
  dropout: { param: 'dropout', parse: number('dropout', 0, 0.95), format: String },
  l2: { param: 'l2', parse: number('l2', 0, 10), format: String },
  optimizer: { param: 'optimizer', parse: oneOf('optimizer', OPTIMIZERS), format: String },
  validationSplit: { param: 'validation_split', parse: number('validation_split', 0, 0.9), format: String },
  earlyStoppingPatience: { param: 'early_stopping_patience', parse: number('early_stopping_patience', 0, 100_000, true), format: String },
  earlyStoppingMinDelta: { param: 'early_stopping_min_delta', parse: number('early_stopping_min_delta', 0, 1e6), format: String },
  seed: { param: 'seed', parse: number('seed', 0, MAX_SEED, true), format: String },
  keepIdColumns: { param: 'keep_id_columns', parse: flag('keep_id_columns'), format: String },
};

const FIELD_BY_PARAM = new Map(Object.entries(SPEC).map(([field, spec]) => [spec.param, field as keyof Hyperparameters]));

export const PARAM_NAMES = [...FIELD_BY_PARAM.keys()];

/** Parses `key=value` overrides (`hidden_units=32,16`, `learning-rate=0.01`); unknown keys are an error. */
export function parseParamOverrides(entries: string[]): Partial<Hyperparameters> {
  const overrides: Partial<Record<keyof Hyperparameters, unknown>> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw invalidParameter(`Invalid --param '${entry}': expected KEY=VALUE (keys: ${PARAM_NAMES.join(', ')}).`);
    const key = entry.slice(0, eq).trim().toLowerCase().replaceAll('-', '_');
    const field = FIELD_BY_PARAM.get(key);
    if (!field) throw invalidParameter(`Unknown --param '${key}': known keys are ${PARAM_NAMES.join(', ')}.`);
    overrides[field] = SPEC[field].parse(entry.slice(eq + 1));
  }
  return overrides as Partial<Hyperparameters>;
}

/**
 * Defaults filled in and every value checked; values given in code go through the same checks
 * as command-line text so a bad value fails here, before a run is created.
 */
export function resolveHyperparameters(given: Partial<Hyperparameters>, seed: number): Hyperparameters {
  const merged: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, seed, ...stripUndefined(given) };
  for (const field of Object.keys(SPEC) as (keyof Hyperparameters)[]) {
    const spec = SPEC[field] as { parse: (text: string) => unknown; format: (value: never) => string };
    spec.parse(spec.format(merged[field] as never));
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Run params, one per hyperparameter, with the names `--param` accepts. */
export function hyperparameterParams(hp: Hyperparameters): { key: string; value: string }[] {
  return (Object.keys(SPEC) as (keyof Hyperparameters)[]).map((field) => {
    const spec = SPEC[field] as { param: string; format: (value: never) => string };
    return { key: spec.param, value: spec.format(hp[field] as never) };
  });
}
