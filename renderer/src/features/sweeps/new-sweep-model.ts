/** The New sweep form's state, its checks and the spec it becomes (pure, unit-tested). */

export type ParamKind = 'values' | 'uniform' | 'log_uniform_values' | 'int_uniform';
export interface ParamRow {
  name: string;
  kind: ParamKind;
  values: string;
  min: string;
  max: string;
}

export interface SweepForm {
  name: string;
  project: string;
  entry: string;
  method: 'grid' | 'random' | 'tpe';
  metric: string;
  goal: 'minimize' | 'maximize';
  params: ParamRow[];
  runCap: string;
  parallel: string;
  early: 'none' | 'asha' | 'median';
  minIter: string;
  eta: string;
  staleAfter: string;
}

export const EMPTY_FORM: SweepForm = {
  name: '',
  project: '',
  entry: 'main',
  method: 'random',
  metric: 'loss',
  goal: 'minimize',
  params: [{ name: 'lr', kind: 'log_uniform_values', values: '', min: '0.0001', max: '0.1' }],
  runCap: '16',
  parallel: '4',
  early: 'asha',
  minIter: '1',
  eta: '3',
  staleAfter: '300',
};

export type FormErrors = Partial<Record<string, string>>;

const scalar = (text: string): string | number | boolean => {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
};

const isNumber = (text: string) => text.trim() !== '' && Number.isFinite(Number(text));
const isWhole = (text: string, min: number) => isNumber(text) && Number.isInteger(Number(text)) && Number(text) >= min;

/** Checks the form; errors are keyed as the spec's fields are named (so server errors land on the same fields). */
export function checkForm(form: SweepForm): FormErrors {
  const errors: FormErrors = {};
  if (!form.project.trim()) errors.project = 'Enter the absolute path of a project folder (with an MLproject file).';
  else if (!/^([a-zA-Z]:)?[\\/]/.test(form.project.trim())) errors.project = 'Must be an absolute path, e.g. /home/me/projects/train.';
  if (!form.entry.trim()) errors.entry = 'Enter an entry point (main by default).';
  if (!form.metric.trim()) errors.metric = 'Enter the metric the trials log, e.g. val_loss.';
  if (form.params.length === 0) errors.parameters = 'Add at least one parameter.';
  const seen = new Set<string>();
  form.params.forEach((row, index) => {
    const field = `parameters.${index}`;
    const name = row.name.trim();
    if (!name) errors[`${field}.name`] = 'Name the parameter.';
    else if (seen.has(name)) errors[`${field}.name`] = `'${name}' is listed twice.`;
    seen.add(name);
    if (row.kind === 'values') {
      if (row.values.split(',').every((value) => value.trim() === '')) errors[`${field}.values`] = 'List values separated by commas.';
      return;
    }
    if (!isNumber(row.min)) errors[`${field}.min`] = 'Must be a number.';
    if (!isNumber(row.max)) errors[`${field}.max`] = 'Must be a number.';
    if (isNumber(row.min) && isNumber(row.max) && Number(row.min) >= Number(row.max)) errors[`${field}.max`] = 'Must be greater than min.';
    if (row.kind === 'log_uniform_values' && isNumber(row.min) && Number(row.min) <= 0) errors[`${field}.min`] = 'A log-uniform range needs min > 0.';
    if (row.kind === 'int_uniform' && (!Number.isInteger(Number(row.min)) || !Number.isInteger(Number(row.max)))) errors[`${field}.min`] = 'An integer range needs whole min and max.';
    if (form.method === 'grid' && row.kind !== 'int_uniform') errors[`${field}.kind`] = 'A grid needs values or an integer range.';
  });
  if (form.runCap.trim() && !isWhole(form.runCap, 1)) errors.run_cap = 'Must be a whole number of at least 1 (or empty for the grid size / 20).';
  if (!isWhole(form.parallel, 1) || Number(form.parallel) > 64) errors.parallel = 'Must be a whole number from 1 to 64.';
  if (form.early !== 'none') {
    if (!isWhole(form.minIter, 1)) errors['early_terminate.min_iter'] = 'Must be a whole number of at least 1.';
    if (form.early === 'asha' && !isWhole(form.eta, 2)) errors['early_terminate.eta'] = 'Must be a whole number of at least 2.';
  }
  if (!isNumber(form.staleAfter) || Number(form.staleAfter) <= 0) errors.stale_after_s = 'Must be a number of seconds above 0.';
  return errors;
}

/** The spec the form stands for, as sweeps.create takes it. */
export function specOf(form: SweepForm): Record<string, unknown> {
  const parameters = Object.fromEntries(
    form.params.map((row) => [
      row.name.trim(),
      row.kind === 'values'
        ? { values: row.values.split(',').map((value) => value.trim()).filter(Boolean).map(scalar) }
        : { distribution: row.kind, min: Number(row.min), max: Number(row.max) },
    ]),
  );
  return {
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    project: form.project.trim(),
    entry: form.entry.trim(),
    method: form.method,
    metric: { name: form.metric.trim(), goal: form.goal },
    parameters,
    ...(form.runCap.trim() ? { run_cap: Number(form.runCap) } : {}),
    ...(form.early === 'none' ? {} : { early_terminate: { type: form.early, min_iter: Number(form.minIter), ...(form.early === 'asha' ? { eta: Number(form.eta) } : {}) } }),
    stale_after_s: Number(form.staleAfter),
  };
}

/** Which input of a parameter row a server message is about. */
function subFieldOf(message: string, kind: ParamKind): string {
  if (/grid/.test(message)) return 'kind';
  if (/^max\b/.test(message)) return 'max';
  if (/\bmin\b/.test(message)) return 'min';
  return kind === 'values' ? 'values' : 'min';
}

/** Puts a server error ("Invalid sweep spec: parameters.lr: min (1) must be …") on the field it names. */
export function fieldOfServerError(message: string, form: SweepForm): { field: string; message: string } | null {
  const match = /^Invalid sweep spec(?: [^:]+)?: ([\w.]+|\(top level\)): (.*)$/s.exec(message);
  if (!match) return null;
  const [, path, rest] = match;
  const parts = path!.split('.');
  if (parts[0] === 'parameters' && parts[1]) {
    const index = form.params.findIndex((row) => row.name.trim() === parts[1]);
    if (index >= 0) return { field: `parameters.${index}.${parts[2] ?? subFieldOf(rest!, form.params[index]!.kind)}`, message: rest! };
  }
  if (parts[0] === 'metric') return { field: 'metric', message: rest! };
  return { field: path!, message: rest! };
}
