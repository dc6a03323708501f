import { TrainingRequestSchema, type TRAINING_BACKENDS, type TRAINING_TASKS, type TrainingRequest } from '../../../../shared/app-api/training';
import type { ColumnSchema, ColumnStats, DatasetVersion } from '../../../../shared/datasets';
import { parseHyperparameters, SPEC_BY_KEY, type HyperparameterKey, type HyperparameterTexts } from './hyperparameter-specs';

/** The New run form: its draft, what the trainer will infer, and the request it sends. */
export type Task = (typeof TRAINING_TASKS)[number];
export type Backend = (typeof TRAINING_BACKENDS)[number];

export interface RunDraft {
  dataset: string;
  /** '' follows the latest version. */
  version: string;
  target: string;
  /** '' lets the trainer infer it from the target. */
  task: '' | Task;
  experimentName: string;
  /** Once typed in, the experiment name no longer follows the dataset and target. */
  experimentEdited: boolean;
  runName: string;
  backend: '' | Backend;
  hyperparameters: HyperparameterTexts;
  /** Train on integer columns that look like ids (all values distinct) instead of leaving them out. */
  keepIdColumns: boolean;
}

export type FieldKey = 'dataset' | 'target' | 'task' | 'experimentName' | 'runName' | 'backend' | HyperparameterKey;
export type FieldErrors = Partial<Record<FieldKey, string>>;

export const EMPTY_DRAFT: RunDraft = { dataset: '', version: '', target: '', task: '', experimentName: '', experimentEdited: false, runName: '', backend: '', hyperparameters: {}, keepIdColumns: false };

/** At most this many distinct integers make an integer target a class label (the trainer's rule). */
const MAX_INTEGER_CLASSES = 10;

export interface TaskGuess {
  /** Null when the column cannot be a target at all (free text). */
  task: Task | null;
  /** Why, in a few words, for the form's "Auto" label. */
  reason: string;
}

/**
 * What the trainer will infer from the target: labels (categorical, boolean, integers with few
 * distinct values) make a classifier, other numbers a regressor. For integers the stored profile
 * has a histogram but no distinct count, so a wide range with few filled bins stays a guess.
 */
export function guessTask(column: ColumnSchema, stats: ColumnStats | undefined): TaskGuess {
  switch (column.type) {
    case 'categorical':
      return { task: 'classification', reason: `${column.categories?.length ?? 'a few'} classes` };
    case 'boolean':
      return { task: 'classification', reason: 'true / false' };
    case 'text':
      return { task: null, reason: 'free text cannot be predicted' };
    case 'numeric':
      return { task: 'regression', reason: 'continuous numbers' };
    case 'integer': {
      if (stats?.kind !== 'numeric') return { task: 'regression', reason: 'whole numbers' };
      const span = stats.max - stats.min + 1;
      if (span <= MAX_INTEGER_CLASSES) return { task: 'classification', reason: `${span} possible values` };
      const filledBins = stats.histogram.counts.filter((count) => count > 0).length;
      if (filledBins > MAX_INTEGER_CLASSES) return { task: 'regression', reason: 'many distinct whole numbers' };
      return { task: 'regression', reason: `more than ${MAX_INTEGER_CLASSES} values likely; the trainer checks` };
    }
  }
}

/** The column a model most often predicts: the last one that can be a target. */
export function defaultTarget(schema: ColumnSchema[]): string {
  return [...schema].reverse().find((column) => column.type !== 'text')?.name ?? '';
}

export function defaultExperimentName(dataset: string, target: string): string {
  return dataset && target ? `${dataset}-${target}` : 'Default';
}

export function datasetRef(draft: RunDraft): string {
  return draft.version ? `${draft.dataset}@${draft.version}` : draft.dataset;
}

/** Checks the draft against the selected version's schema; a request only when nothing is wrong. */
export function buildRequest(draft: RunDraft, version: DatasetVersion | null): { request?: TrainingRequest; errors: FieldErrors } {
  const { values, errors: hpErrors } = parseHyperparameters(draft.hyperparameters);
  const errors: FieldErrors = { ...hpErrors };
  if (!draft.dataset) errors.dataset = 'Dataset is required: pick one, or import one on the Datasets page.';
  const index = version?.schema.findIndex((column) => column.name === draft.target) ?? -1;
  if (!draft.target) errors.target = 'Target column is required: pick the column to predict.';
  else if (version && index < 0) errors.target = `Target column “${draft.target}” is not a column of ${version.ref}.`;
  else if (version) {
    const column = version.schema[index]!;
    const guess = guessTask(column, version.stats[index]);
    if (guess.task === null) errors.target = `Target column “${column.name}” holds free text; pick a categorical, boolean or numeric column.`;
    else if (draft.task === 'regression' && (column.type === 'categorical' || column.type === 'boolean')) {
      errors.task = `Task regression needs a numeric target; “${column.name}” is ${column.type}.`;
    }
  }
  const experimentName = draft.experimentName.trim();
  if (!experimentName) errors.experimentName = 'Experiment is required: name an existing experiment or a new one.';
  else if (experimentName.length > 500) errors.experimentName = 'Experiment name is longer than 500 characters.';
  if (draft.runName.length > 250) errors.runName = 'Run name is longer than 250 characters.';
  if (Object.keys(errors).length > 0) return { errors };

  const request: TrainingRequest = {
    dataset: datasetRef(draft),
    target: draft.target,
    experimentName,
    ...(draft.task ? { task: draft.task } : {}),
    ...(draft.runName.trim() ? { runName: draft.runName.trim() } : {}),
    ...(draft.backend ? { backend: draft.backend } : {}),
    hyperparameters: draft.keepIdColumns ? { ...values, keepIdColumns: true } : values,
  };
  // The contract is the last word: anything the field rules above missed still lands on a field.
  const parsed = TrainingRequestSchema.safeParse(request);
  if (!parsed.success) return { errors: serverFieldErrors(parsed.error.issues.map((issue) => `Field '${issue.path.join('.')}': ${issue.message}`).join('; ')).fields };
  return { request, errors: {} };
}

const FIELD_LABELS: Record<Exclude<FieldKey, HyperparameterKey>, string> = {
  dataset: 'Dataset',
  target: 'Target column',
  task: 'Task',
  experimentName: 'Experiment',
  runName: 'Run name',
  backend: 'Backend',
};

export function fieldLabel(key: FieldKey): string {
  return SPEC_BY_KEY.get(key as HyperparameterKey)?.label ?? FIELD_LABELS[key as keyof typeof FIELD_LABELS];
}

/** Run-param names the trainer uses in its messages (`learning_rate`) to form fields. */
const PARAM_FIELDS: Record<string, FieldKey> = {
  hidden_units: 'hiddenUnits', activation: 'activation', learning_rate: 'learningRate', batch_size: 'batchSize', epochs: 'epochs',
  dropout: 'dropout', l2: 'l2', optimizer: 'optimizer', validation_split: 'validationSplit', early_stopping_patience: 'earlyStoppingPatience', seed: 'seed',
};

function fieldFromPath(path: string): FieldKey | undefined {
  const last = path.replace(/\[\d+\]$/, '').split('.').at(-1) ?? '';
  if (last in FIELD_LABELS || SPEC_BY_KEY.has(last as HyperparameterKey)) return last as FieldKey;
  return PARAM_FIELDS[last];
}

/**
 * Splits a server answer into per-field messages where it names a field (`Field 'hyperparameters.
 * learningRate': must be positive`, `parameter 'learning_rate'`), and the rest for a banner.
 */
export function serverFieldErrors(message: string): { fields: FieldErrors; rest: string | null } {
  const fields: FieldErrors = {};
  const rest: string[] = [];
  for (const part of message.split('; ')) {
    const zodStyle = /^Field '([^']+)': (.*)$/s.exec(part);
    const paramStyle = /parameter '([a-z_]+)'/.exec(part);
    const key = zodStyle ? fieldFromPath(zodStyle[1]!) : paramStyle ? PARAM_FIELDS[paramStyle[1]!] : undefined;
    if (key && !fields[key]) fields[key] = zodStyle ? `${fieldLabel(key)} ${zodStyle[2]}.`.replace(/\.\.$/, '.') : part;
    else rest.push(part);
  }
  return { fields, rest: rest.length > 0 ? rest.join('; ') : null };
}
