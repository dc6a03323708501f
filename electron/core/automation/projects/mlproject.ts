/**
 * Reads an MLflow project folder as MLflow does (mlflow/projects/_project_spec.py): the `MLproject`
 * file (YAML) when there is one; without it, no declared entry points, and the environment taken
 * from `python_env.yaml` or `conda.yaml` when present. An entry point that is not declared may name
 * a `.py` or `.sh` file of the project (`python file.py` / `bash file.sh`), every parameter then
 * passed as `--key value`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ProjectSchema, type EntryPoint, type Project } from '../../../../shared/automation.js';
import { invalidParameter } from '../../errors.js';
import { shellQuote } from './parameters.js';

export const MLPROJECT_FILE = 'MLproject';
const MAX_MLPROJECT_BYTES = 1024 * 1024;

export interface LoadedProject {
  dir: string;
  project: Project;
  /** False when the folder has no MLproject file (entry points are then script names). */
  hasMLproject: boolean;
}

function findMLproject(dir: string): string | null {
  // MLflow accepts any case of the name (`mlproject`, `MLProject`).
  for (const name of [MLPROJECT_FILE, 'mlproject', 'MLProject']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** A path the MLproject names (an environment file) must stay inside the project folder. */
export function projectFile(dir: string, relativePath: string, field: string): string {
  if (isAbsolute(relativePath)) throw invalidParameter(`MLproject: '${field}' must be a path inside the project folder, not an absolute path ('${relativePath}').`);
  const full = resolve(dir, normalize(relativePath));
  if (full !== dir && !full.startsWith(dir + sep)) throw invalidParameter(`MLproject: '${field}' points outside the project folder ('${relativePath}').`);
  return full;
}

export function loadProject(projectDir: string): LoadedProject {
  const dir = resolve(projectDir);
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) throw invalidParameter(`Project folder '${projectDir}' does not exist or is not a folder.`);
  const file = findMLproject(dir);
  if (!file) {
    const project: Project = { entry_points: {} };
    if (existsSync(join(dir, 'python_env.yaml'))) project.python_env = 'python_env.yaml';
    else if (existsSync(join(dir, 'conda.yaml'))) project.conda_env = 'conda.yaml';
    return { dir, project, hasMLproject: false };
  }
  const size = statSync(file).size;
  if (size > MAX_MLPROJECT_BYTES) throw invalidParameter(`MLproject is ${size} bytes; over the ${MAX_MLPROJECT_BYTES} allowed.`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: 100 });
  } catch (error) {
    throw invalidParameter(`MLproject is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return { dir, project: parseMLproject(raw), hasMLproject: true };
}

/** Shorthand MLflow accepts: a parameter given as just its type (`alpha: float`). */
function normaliseParameters(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).map(([name, spec]) => [name, typeof spec === 'string' ? { type: spec } : spec === null ? {} : spec]));
}

export function parseMLproject(raw: unknown): Project {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('MLproject must be a YAML mapping (name, entry_points, python_env …).');
  const doc = { ...(raw as Record<string, unknown>) };
  if (doc.python_env !== undefined && doc.conda_env !== undefined) throw invalidParameter('MLproject: give python_env or conda_env, not both (as MLflow requires).');
  const entries = doc.entry_points;
  if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
    doc.entry_points = Object.fromEntries(
      Object.entries(entries as Record<string, unknown>).map(([name, entry]) => {
        if (!entry || typeof entry !== 'object') return [name, entry];
        const e = entry as Record<string, unknown>;
        return [name, { ...e, parameters: normaliseParameters(e.parameters) }];
      }),
    );
  } else if (entries === undefined || entries === null) {
    doc.entry_points = {};
  }
  const parsed = ProjectSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidParameter(`MLproject: '${issue.path.join('.') || '(root)'}' ${issue.message}.`);
  }
  return parsed.data;
}

/**
 * The entry point to run: a declared one, else a `.py` / `.sh` file of the project (MLflow's
 * get_entry_point). Refused naming the declared ones when neither fits.
 */
export function resolveEntryPoint(loaded: LoadedProject, name: string): EntryPoint {
  const declared = loaded.project.entry_points[name];
  if (declared) return declared;
  const ext = name.slice(name.lastIndexOf('.'));
  if (ext === '.py' || ext === '.sh') {
    const file = projectFile(loaded.dir, name, 'entry point');
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw invalidParameter(`Entry point '${name}': no such file in the project folder.`);
    const interpreter = ext === '.py' ? 'python' : 'bash';
    // The name is a file name: quoted, and its braces are not placeholders.
    return { parameters: {}, command: `${interpreter} ${shellQuote(name).replaceAll('{', '{{').replaceAll('}', '}}')}` };
  }
  const names = Object.keys(loaded.project.entry_points);
  throw invalidParameter(
    `Entry point '${name}' is not among the project's entry points (${names.length ? names.join(', ') : loaded.hasMLproject ? 'none declared' : 'no MLproject file'}) and is not a .py or .sh file of the project.`,
  );
}
