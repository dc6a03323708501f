/**
 * MLflow's parameter semantics (mlflow/projects/_project_spec.py) plus the types MLflow lacks
 * (`int`, `bool`, `list`: mlflow #1945, #3743). Every value is checked before anything starts, and
 * a refusal names the parameter and the problem.
 *
 * How values reach the command (`{name}` placeholders, then shell-quoted like Python's shlex.quote):
 * - string: as given; float: a finite number, written as JavaScript prints it (0.50 → 0.5, so a
 *   script that logs float(arg) logs what was recorded); int: an integer, canonical digits;
 * - bool: true/false, yes/no, 1/0 (any case) → `true` or `false`;
 * - path: must exist; relative paths resolve against the base folder (the project folder for
 *   defaults; `prepareProjectRun` resolves a user's against the caller's working directory first);
 *   `file://` URIs are taken as paths; other schemes are refused (nothing is downloaded);
 * - uri: must carry a scheme (`s3://…`, `file:///…`, `dataset:name@1`), as MLflow's is_uri;
 * - list: given as a JSON array (`[1, "a", true]`) or comma-separated (`a,b,16`: items that read
 *   back exactly as numbers are numbers, the rest text), passed as ONE
 *   argument holding a JSON array: a Python script reads it with `json.loads(arg)`
 *   (argparse: `type=json.loads`).
 * Parameters the entry point does not declare are appended as `--key value`, as MLflow does.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntryPoint, ProjectParameter } from '../../../../shared/automation.js';
import { invalidParameter } from '../../errors.js';

export type ScalarDefault = string | number | boolean;
type DefaultValue = ProjectParameter['default'];

export interface FilledParameter {
  name: string;
  type: ProjectParameter['type'];
  /** The value as recorded (run param) and placed in the command before quoting. */
  value: string;
  /** Where it came from: the caller, or the MLproject default. */
  source: 'given' | 'default';
}

export interface FilledCommand {
  command: string;
  /** Declared parameters, in declaration order, then the undeclared ones the caller gave. */
  parameters: FilledParameter[];
  extra: FilledParameter[];
}

/** Python's shlex.quote: safe words as they are, anything else in single quotes. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const TRUE = new Set(['true', 'yes', '1', 'y', 'on']);
const FALSE = new Set(['false', 'no', '0', 'n', 'off']);

function defaultText(value: DefaultValue): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function listValue(name: string, text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw invalidParameter(`Parameter '${name}' (list): '${text}' is not a valid JSON array (${(error as Error).message}).`);
    }
    if (!Array.isArray(parsed) || parsed.some((item) => item !== null && typeof item === 'object')) {
      throw invalidParameter(`Parameter '${name}' (list): '${text}' must be a flat JSON array of strings, numbers or booleans.`);
    }
    return JSON.stringify(parsed);
  }
  if (trimmed === '') return '[]';
  // An item that reads back exactly as a number is one (`16,8` is [16,8]); `007` stays text.
  return JSON.stringify(
    trimmed.split(',').map((item) => {
      const text = item.trim();
      return text !== '' && String(Number(text)) === text ? Number(text) : text;
    }),
  );
}

/** Checks one value against its declared type; answers the value to record and fill in. */
export function typedValue(name: string, type: ProjectParameter['type'], text: string, baseDir: string): string {
  switch (type) {
    case 'string':
      return text;
    case 'float': {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw invalidParameter(`Parameter '${name}' (float): '${text}' is not a finite number.`);
      return String(value);
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text.trim())) throw invalidParameter(`Parameter '${name}' (int): '${text}' is not an integer.`);
      return BigInt(text.trim()).toString();
    }
    case 'bool': {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) return 'true';
      if (FALSE.has(lower)) return 'false';
      throw invalidParameter(`Parameter '${name}' (bool): '${text}' is not a boolean (true/false, yes/no, 1/0).`);
    }
    case 'uri':
      if (!URI_SCHEME.test(text) || /^[A-Za-z]:[\\/]/.test(text)) throw invalidParameter(`Parameter '${name}' (uri): expected a URI with a scheme (e.g. s3://bucket/key, file:///path), got '${text}'.`);
      return text;
    case 'path':
      return pathValue(name, text, baseDir);
    case 'list':
      return listValue(name, text);
  }
}

function pathValue(name: string, text: string, baseDir: string): string {
  if (text.trim() === '') throw invalidParameter(`Parameter '${name}' (path): the path is empty.`);
  let local = text;
  if (text.startsWith('file:')) {
    try {
      local = fileURLToPath(text);
    } catch (error) {
      throw invalidParameter(`Parameter '${name}' (path): '${text}' is not a usable file URI (${(error as Error).message}).`);
    }
  } else if (URI_SCHEME.test(text) && !/^[A-Za-z]:[\\/]/.test(text)) {
    throw invalidParameter(`Parameter '${name}' (path): '${text}' is a remote URI; MLDesk does not download project inputs. Give a local path, or declare the parameter as 'uri'.`);
  }
  const absolute = isAbsolute(local) ? resolve(local) : resolve(baseDir, local);
  if (!existsSync(absolute)) throw invalidParameter(`Parameter '${name}' (path): got '${text}', but no such file or directory was found (${absolute}).`);
  return absolute;
}

/** A flag name MLflow would append as `--key value`; anything else could inject into the command. */
const EXTRA_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * MLflow's compute_parameters + compute_command: missing parameters (no value, no default) are
 * refused together; each value is typed; the command's `{name}` placeholders are filled with
 * quoted values (`{{`/`}}` are literal braces, as in Python's str.format); undeclared parameters
 * are appended as `--key value`.
 */
export function fillCommand(entry: EntryPoint, given: Record<string, string>, options: { baseDir: string; givenBaseDir?: string }): FilledCommand {
  const declared = Object.entries(entry.parameters);
  const missing = declared.filter(([name, spec]) => given[name] === undefined && spec.default === undefined).map(([name]) => name);
  if (missing.length > 0) throw invalidParameter(`No value given for missing parameter${missing.length > 1 ? 's' : ''}: ${missing.map((name) => `'${name}'`).join(', ')}.`);
  const parameters: FilledParameter[] = declared.map(([name, spec]) => {
    const userValue = given[name];
    if (userValue !== undefined) return { name, type: spec.type, value: typedValue(name, spec.type, userValue, options.givenBaseDir ?? options.baseDir), source: 'given' };
    const fallback = defaultText(spec.default) ?? '';
    try {
      return { name, type: spec.type, value: typedValue(name, spec.type, fallback, options.baseDir), source: 'default' };
    } catch (error) {
      throw invalidParameter(`${(error as Error).message} (this is the MLproject's default; pass -P ${name}=VALUE)`);
    }
  });
  const extra: FilledParameter[] = Object.entries(given)
    .filter(([name]) => !(name in entry.parameters))
    .map(([name, value]) => {
      if (!EXTRA_KEY.test(name)) throw invalidParameter(`Parameter '${name}': an undeclared parameter is passed as --${name}, so its name may hold only letters, digits, '_', '.' and '-'.`);
      return { name, type: 'string', value, source: 'given' };
    });
  const values = new Map(parameters.map((p) => [p.name, shellQuote(p.value)]));
  const filled = fillTemplate(entry.command, values);
  const command = [filled, ...extra.map((p) => `--${p.name} ${shellQuote(p.value)}`)].join(' ');
  return { command, parameters, extra };
}

/** Python str.format with named fields only; an unknown field is refused naming it. */
export function fillTemplate(template: string, values: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i++;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw invalidParameter(`The entry point's command has an unclosed '{' at character ${i + 1}.`);
      const field = template.slice(i + 1, end);
      const value = values.get(field);
      if (value === undefined) throw invalidParameter(`The entry point's command uses {${field}}, which is not a declared parameter (declared: ${[...values.keys()].join(', ') || 'none'}).`);
      out += value;
      i = end;
    } else if (c === '}') {
      throw invalidParameter(`The entry point's command has a single '}' at character ${i + 1} (write '}}' for a literal brace).`);
    } else {
      out += c;
    }
  }
  return out;
}
