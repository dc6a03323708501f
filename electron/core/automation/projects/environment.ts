/**
 * A project's `python_env` / `conda_env`: recorded (file hashes) and used only when an interpreter
 * of the asked Python version already exists on PATH. Nothing is created or downloaded: no venv,
 * no conda env, no pip install. When one fits, `python` and `python3` in the command mean it (a
 * shim folder first on PATH); otherwise the command runs with the PATH as given, and lineage says so.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Project } from '../../../../shared/automation.js';
import { projectFile } from './mlproject.js';

export interface EnvFile {
  field: 'python_env' | 'conda_env';
  path: string;
  sha256: string | null;
}

export interface InterpreterChoice {
  /** The env file asked for this version (null: none asked, or it could not be read). */
  wantedPython: string | null;
  /** The interpreter `python` means in the command, or null when PATH was left alone. */
  interpreter: { path: string; version: string } | null;
  /** One line for lineage: which interpreter ran the project and why. */
  description: string;
  /** PATH for the process (a shim folder first when an interpreter was chosen). */
  pathVariable: string | undefined;
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export function environmentFiles(dir: string, project: Project): EnvFile[] {
  const files: EnvFile[] = [];
  for (const field of ['python_env', 'conda_env'] as const) {
    const name = project[field];
    if (!name) continue;
    const full = projectFile(dir, name, field);
    files.push({ field, path: name, sha256: statSync(full, { throwIfNoEntry: false })?.isFile() ? sha256File(full) : null });
  }
  return files;
}

/** The Python version an env file asks for: python_env's `python:`, conda's `python=X.Y` dependency. */
export function wantedPythonVersion(dir: string, file: EnvFile): string | null {
  if (file.sha256 === null) return null;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(projectFile(dir, file.path, file.field), 'utf8'));
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object') return null;
  if (file.field === 'python_env') {
    const python = (doc as { python?: unknown }).python;
    return typeof python === 'string' || typeof python === 'number' ? String(python).trim() : null;
  }
  const deps = (doc as { dependencies?: unknown }).dependencies;
  if (!Array.isArray(deps)) return null;
  for (const dep of deps) {
    const match = typeof dep === 'string' ? /^python\s*(?:==?|>=)?\s*([0-9][0-9.]*)/.exec(dep.trim()) : null;
    if (match) return match[1]!.replace(/\.$/, '');
  }
  return null;
}

function versionOf(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 5000, env: process.env }, (error, stdout, stderr) => {
      const match = /Python\s+([0-9][0-9.]*)/.exec(`${stdout}${stderr}`);
      resolve(error || !match ? null : match[1]!);
    });
  });
}

/** `3.11` fits 3.11.2; `3.11.2` fits only 3.11.2. */
const fits = (wanted: string, actual: string) => {
  const w = wanted.split('.');
  const a = actual.split('.');
  return w.every((part, i) => a[i] === part);
};

export async function chooseInterpreter(dir: string, files: EnvFile[], shimDir: string, pathVariable = process.env.PATH): Promise<InterpreterChoice> {
  const file = files[0];
  if (!file) return { wantedPython: null, interpreter: null, description: 'no python_env or conda_env: the command ran with the PATH as given', pathVariable };
  if (file.sha256 === null) return { wantedPython: null, interpreter: null, description: `${file.field} ${file.path} is missing: the command ran with the PATH as given`, pathVariable };
  const wanted = wantedPythonVersion(dir, file);
  if (!wanted) return { wantedPython: null, interpreter: null, description: `${file.field} ${file.path} names no Python version: the command ran with the PATH as given`, pathVariable };
  const minor = wanted.split('.').slice(0, 2).join('.');
  const seen = new Set<string>();
  for (const folder of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    for (const name of [`python${minor}`, 'python3', 'python']) {
      const candidate = join(folder, name);
      if (seen.has(candidate) || !existsSync(candidate)) continue;
      seen.add(candidate);
      const version = await versionOf(candidate);
      if (version && fits(wanted, version)) {
        await mkdir(shimDir, { recursive: true });
        for (const alias of ['python', 'python3']) await symlink(candidate, join(shimDir, alias)).catch(() => undefined);
        return {
          wantedPython: wanted,
          interpreter: { path: candidate, version },
          description: `${file.field} ${file.path} asks for Python ${wanted}: ran with ${candidate} (Python ${version}); dependencies were not installed`,
          pathVariable: [shimDir, pathVariable].filter(Boolean).join(delimiter),
        };
      }
    }
  }
  return {
    wantedPython: wanted,
    interpreter: null,
    description: `${file.field} ${file.path} asks for Python ${wanted}, which is not on PATH (nothing is downloaded): the command ran with the PATH as given`,
    pathVariable,
  };
}

/**
 * This MLDesk's CLI when built: bin/mldesk.js, which runs the bundled CLI (faster to start, and a
 * project's `mldesk train` starts once per trial), else dist/electron/cli/mldesk.js itself.
 */
const MLDESK_CLI = [new URL('../../../../../bin/mldesk.js', import.meta.url), new URL('../../../cli/mldesk.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((file) => existsSync(file)) ?? fileURLToPath(new URL('../../../cli/mldesk.js', import.meta.url));

/**
 * `mldesk` inside a project means this MLDesk (the built-in TF.js templates call `mldesk train`),
 * whether or not it is installed on PATH: a small script in the shim folder runs this CLI with
 * this Node (or Electron as Node).
 */
export async function addMldeskShim(shimDir: string, pathVariable: string | undefined): Promise<string | undefined> {
  if (!existsSync(MLDESK_CLI)) return pathVariable;
  await mkdir(shimDir, { recursive: true });
  const quote = (text: string) => `'${text.replaceAll("'", `'"'"'`)}'`;
  await writeFile(join(shimDir, 'mldesk'), `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${quote(process.execPath)} ${quote(MLDESK_CLI)} "$@"\n`, { mode: 0o755 });
  const parts = (pathVariable ?? '').split(delimiter).filter(Boolean);
  return [shimDir, ...parts.filter((part) => part !== shimDir)].join(delimiter);
}
