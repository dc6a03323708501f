import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SweepSpecSchema, type SweepParameter, type SweepSpec } from '../../../../shared/automation.js';
import { invalidParameter } from '../../errors.js';

/** Grids over more combinations than this are refused: nobody means to queue a million trials. */
export const MAX_GRID_SIZE = 10_000;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      // A union of parameter shapes fails with one issue per branch; say what shapes exist instead.
      if (issue.code === 'invalid_union' && issue.path[0] === 'parameters') {
        return `${fieldPath(issue.path)}: expected one of {values: [...]}, {value: x} or {distribution, min, max[, q]}`;
      }
      if (issue.code === 'unrecognized_keys') return `${fieldPath(issue.path)}: unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
      return `${fieldPath(issue.path)}: ${issue.message}`;
    })
    .join('; ');
}

/** Checks a spec beyond its shape: ranges that make sense, and a grid that can be enumerated. */
export function checkSweepSpec(spec: SweepSpec): SweepSpec {
  const names = Object.keys(spec.parameters);
  if (names.length === 0) throw invalidParameter('Invalid sweep spec: parameters: at least one parameter is needed.');
  for (const [name, parameter] of Object.entries(spec.parameters)) {
    const field = `parameters.${name}`;
    if (!('distribution' in parameter)) continue;
    if (!(parameter.min < parameter.max)) throw invalidParameter(`Invalid sweep spec: ${field}: min (${parameter.min}) must be less than max (${parameter.max}).`);
    if (parameter.distribution === 'log_uniform_values' && parameter.min <= 0) {
      throw invalidParameter(`Invalid sweep spec: ${field}: log_uniform_values needs min > 0 (got ${parameter.min}).`);
    }
    if (parameter.distribution === 'int_uniform' && (!Number.isInteger(parameter.min) || !Number.isInteger(parameter.max))) {
      throw invalidParameter(`Invalid sweep spec: ${field}: int_uniform needs whole min and max (got ${parameter.min}, ${parameter.max}).`);
    }
    if (parameter.distribution === 'q_uniform' && parameter.q === undefined) throw invalidParameter(`Invalid sweep spec: ${field}: q_uniform needs q (the step).`);
    if (parameter.q !== undefined && parameter.distribution !== 'q_uniform') {
      throw invalidParameter(`Invalid sweep spec: ${field}: q is only meaningful with distribution q_uniform.`);
    }
    if (spec.method === 'grid' && (parameter.distribution === 'uniform' || parameter.distribution === 'log_uniform_values')) {
      throw invalidParameter(`Invalid sweep spec: ${field}: grid search needs values (or an int_uniform / q_uniform range), not a continuous ${parameter.distribution} distribution.`);
    }
  }
  if (spec.method === 'grid') {
    const size = names.reduce((product, name) => product * gridValues(name, spec.parameters[name]!).length, 1);
    if (size > MAX_GRID_SIZE) throw invalidParameter(`Invalid sweep spec: parameters: the grid has ${size} combinations (limit ${MAX_GRID_SIZE}); narrow it or use method random/tpe.`);
  }
  const early = spec.early_terminate;
  if (early?.max_iter !== undefined && early.max_iter < early.min_iter) {
    throw invalidParameter(`Invalid sweep spec: early_terminate.max_iter (${early.max_iter}) must be at least min_iter (${early.min_iter}).`);
  }
  return spec;
}

/** The values a grid walks through for one parameter. */
export function gridValues(name: string, parameter: SweepParameter): Array<string | number | boolean> {
  if ('values' in parameter) return parameter.values;
  if ('value' in parameter) return [parameter.value];
  const step = parameter.distribution === 'int_uniform' ? 1 : parameter.distribution === 'q_uniform' ? parameter.q : undefined;
  if (step === undefined) throw invalidParameter(`Invalid sweep spec: parameters.${name}: a continuous distribution has no grid.`);
  const count = Math.floor((parameter.max - parameter.min) / step + 1e-9) + 1;
  if (count > MAX_GRID_SIZE) throw invalidParameter(`Invalid sweep spec: parameters.${name}: ${count} grid points (limit ${MAX_GRID_SIZE}).`);
  // Rounded to the step's decimals so 0.1 steps give 0.3, not 0.30000000000000004.
  const decimals = Math.min(12, Math.max(0, -Math.floor(Math.log10(step)) + 2));
  return Array.from({ length: count }, (_, index) => Number((parameter.min + index * step).toFixed(decimals)));
}

/** Parses a sweep spec object (from the New sweep form or a parsed file), with errors naming the field. */
export function parseSweepSpecObject(input: unknown): SweepSpec {
  const parsed = SweepSpecSchema.safeParse(input);
  if (!parsed.success) throw invalidParameter(`Invalid sweep spec: ${describeIssues(parsed.error)}`);
  return checkSweepSpec(parsed.data);
}

/** Parses a sweep spec from YAML (or JSON, which YAML reads too). `source` names the file in errors. */
export function parseSweepSpecYaml(text: string, source = 'sweep spec'): SweepSpec {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw invalidParameter(`${source} is not valid YAML${where}: ${first.message.split('\n')[0]}`);
  }
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${source}: expected a mapping with project, method, metric and parameters.`);
  try {
    return parseSweepSpecObject(value);
  } catch (error) {
    if (error instanceof Error) error.message = error.message.replace(/^Invalid sweep spec/, `Invalid sweep spec ${source}`);
    throw error;
  }
}
