import { TrainingRequestSchema, type TrainingRequest } from '../../../../shared/app-api/training';

/**
 * The New run form's hyperparameter fields: label, the documented default (shown as the
 * placeholder; a blank field sends nothing so the trainer applies it) and the accepted range,
 * mirroring TrainingRequestSchema so a bad value is caught before the request leaves.
 */
export type Hyperparameters = NonNullable<TrainingRequest['hyperparameters']>;
/** The fields typed as text; keepIdColumns is a checkbox of its own. */
export type HyperparameterKey = Exclude<keyof Hyperparameters, 'keepIdColumns'>;

const HP_SHAPE = TrainingRequestSchema.shape.hyperparameters.unwrap().shape;
export const ACTIVATIONS = HP_SHAPE.activation.unwrap().options;
export const OPTIMIZERS = HP_SHAPE.optimizer.unwrap().options;

interface BaseSpec {
  key: HyperparameterKey;
  label: string;
  /** The default as the form shows it; what a blank field means. */
  placeholder: string;
  hint: string;
}
export interface NumberSpec extends BaseSpec {
  kind: 'number';
  integer: boolean;
  min: number;
  max: number;
  /** The minimum itself is not allowed (learning rate > 0). */
  minExclusive?: boolean;
}
export interface ChoiceSpec extends BaseSpec {
  kind: 'choice';
  options: readonly string[];
}
export interface UnitsSpec extends BaseSpec {
  kind: 'units';
}
export type HyperparameterSpec = NumberSpec | ChoiceSpec | UnitsSpec;

export const MAX_LAYERS = 8;
export const MAX_UNITS = 4096;
export const MAX_SEED = 2 ** 31 - 1;

export const HYPERPARAMETER_SPECS: HyperparameterSpec[] = [
  { key: 'hiddenUnits', kind: 'units', label: 'Hidden units', placeholder: '64,64', hint: `Units per hidden layer, comma-separated (up to ${MAX_LAYERS}); "none" for a linear model.` },
  { key: 'activation', kind: 'choice', label: 'Activation', placeholder: 'relu', options: ACTIVATIONS, hint: 'Applied after each hidden layer.' },
  { key: 'optimizer', kind: 'choice', label: 'Optimizer', placeholder: 'adam', options: OPTIMIZERS, hint: 'Gradient descent variant.' },
  { key: 'learningRate', kind: 'number', label: 'Learning rate', placeholder: '0.001', integer: false, min: 0, max: 10, minExclusive: true, hint: 'Step size; greater than 0, at most 10.' },
  { key: 'batchSize', kind: 'number', label: 'Batch size', placeholder: '32', integer: true, min: 1, max: 65_536, hint: 'Rows per gradient step.' },
  { key: 'epochs', kind: 'number', label: 'Epochs', placeholder: '100', integer: true, min: 1, max: 10_000, hint: 'Upper bound; early stopping may end sooner.' },
  { key: 'dropout', kind: 'number', label: 'Dropout', placeholder: '0', integer: false, min: 0, max: 0.95, hint: 'Share of units dropped after each hidden layer (0–0.95).' },
  { key: 'l2', kind: 'number', label: 'L2 penalty', placeholder: '0', integer: false, min: 0, max: 10, hint: 'Weight decay on the kernels (0–10).' },
  { key: 'validationSplit', kind: 'number', label: 'Validation split', placeholder: '0.2', integer: false, min: 0, max: 0.9, hint: 'Share of rows held out for val_* metrics (0–0.9).' },
  { key: 'earlyStoppingPatience', kind: 'number', label: 'Early-stopping patience', placeholder: '10', integer: true, min: 0, max: 1000, hint: 'Epochs without a val_loss gain before stopping; 0 never stops.' },
  { key: 'seed', kind: 'number', label: 'Seed', placeholder: 'random', integer: true, min: 0, max: MAX_SEED, hint: 'Fixes weights and the split; blank draws one and logs it.' },
];

export const SPEC_BY_KEY = new Map(HYPERPARAMETER_SPECS.map((spec) => [spec.key, spec]));

function rangeText(spec: NumberSpec): string {
  const what = spec.integer ? 'a whole number' : 'a number';
  const max = spec.max.toLocaleString('en-US');
  return spec.minExclusive ? `${what} greater than ${spec.min} and at most ${max}` : `${what} from ${spec.min.toLocaleString('en-US')} to ${max}`;
}

type Parsed<T> = { value: T } | { error: string };

function parseNumber(spec: NumberSpec, text: string): Parsed<number> {
  const value = Number(text);
  const ok = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) && Number.isFinite(value);
  const inRange = ok && (spec.minExclusive ? value > spec.min : value >= spec.min) && value <= spec.max && (!spec.integer || Number.isInteger(value));
  return inRange ? { value } : { error: `${spec.label} must be ${rangeText(spec)}; got “${text}”.` };
}

function parseUnits(spec: UnitsSpec, text: string): Parsed<number[]> {
  if (/^(none|\[\s*\])$/i.test(text)) return { value: [] };
  const parts = text.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  const units = parts.map(Number);
  if (parts.length === 0 || units.some((u) => !Number.isInteger(u) || u < 1 || u > MAX_UNITS)) {
    return { error: `${spec.label} must be whole numbers from 1 to ${MAX_UNITS.toLocaleString('en-US')} separated by commas, e.g. 64,64; got “${text}”.` };
  }
  if (units.length > MAX_LAYERS) return { error: `${spec.label} allows at most ${MAX_LAYERS} layers; got ${units.length}.` };
  return { value: units };
}

function parseChoice(spec: ChoiceSpec, text: string): Parsed<string> {
  const value = text.toLowerCase();
  return spec.options.includes(value) ? { value } : { error: `${spec.label} must be one of ${spec.options.join(', ')}; got “${text}”.` };
}

export type HyperparameterTexts = Partial<Record<HyperparameterKey, string>>;

/** Form texts to hyperparameters; blank fields are left out (the documented default applies). */
export function parseHyperparameters(texts: HyperparameterTexts): { values: Hyperparameters; errors: Partial<Record<HyperparameterKey, string>> } {
  const values: Record<string, unknown> = {};
  const errors: Partial<Record<HyperparameterKey, string>> = {};
  for (const spec of HYPERPARAMETER_SPECS) {
    const text = (texts[spec.key] ?? '').trim();
    if (text === '') continue;
    const parsed = spec.kind === 'number' ? parseNumber(spec, text) : spec.kind === 'units' ? parseUnits(spec, text) : parseChoice(spec, text);
    if ('error' in parsed) errors[spec.key] = parsed.error;
    else values[spec.key] = parsed.value;
  }
  return { values: values as Hyperparameters, errors };
}
