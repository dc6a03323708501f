/**
 * Finds the vendored MLflow 2.12.2 (`../shared/vendor/mlflow-2.12.2` beside the checkout) and runs
 * Python scripts with it under Debian's python3. Used by the integration suite and the bench, so
 * it imports nothing from vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MLFLOW_VENDOR_DIR = join(REPO_ROOT, '..', 'shared', 'vendor', 'mlflow-2.12.2');
export const SCRIPTS_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Debian's interpreter: the Debian packages setup.sh installs are importable only there. */
export const PYTHON = '/usr/bin/python3';
/** Installs the Debian packages the vendored MLflow imports (root). */
export const SETUP = join(MLFLOW_VENDOR_DIR, 'setup.sh');

export type MlflowAvailability = { ok: true } | { ok: false; reason: string };

/**
 * Whether the vendored client is here. Cheap on purpose (no Python start): a client that is here
 * but lacks its Debian packages fails in the scripts, whose output names what is missing.
 */
export function mlflowAvailability(): MlflowAvailability {
  if (!existsSync(join(MLFLOW_VENDOR_DIR, 'mlflow', '__init__.py'))) {
    return { ok: false, reason: `the vendored MLflow client is missing: expected ${MLFLOW_VENDOR_DIR} (shared/ beside the checkout)` };
  }
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} is missing: run \`bash ${SETUP}\`` };
  return { ok: true };
}

/** The environment the client runs in: nothing of the caller's MLflow settings, no retries, no .pyc files in shared/. */
export function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('MLFLOW_') || key.startsWith('MLDESK_') || key === 'PYTHONPATH' || key === 'PYTHONHOME' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return {
    ...env,
    PYTHONPATH: `${MLFLOW_VENDOR_DIR}:${SCRIPTS_DIR}`,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    GIT_PYTHON_REFRESH: 'quiet',
    // A server error must show at once, not after the client's five retries with back-off.
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
    ...extra,
  };
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `python3 SCRIPTS_DIR/<script>` to completion (killed after timeoutMs). */
export function runPython(script: string, env: Record<string, string>, timeoutMs = 170_000): Promise<PythonResult> {
  const started = performance.now();
  const child = spawn(PYTHON, [join(SCRIPTS_DIR, script)], { cwd: SCRIPTS_DIR, env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
