/**
 * Generated MLflow projects for the `mldesk run` / `mldesk sweep` tests: a folder from a map of
 * files, the environment that runs them with Debian's python3 and the vendored MLflow client, the
 * node "curve" trial whose best is known in advance, and a read-only look at a data dir's database.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pythonEnv } from './mlflow-client/python-client.js';
import { makeTempDir } from './server-process.js';

/** A temp folder holding `files` (name → text; names may have folders). */
export async function writeProject(files: Record<string, string>, label = 'project'): Promise<string> {
  const dir = await makeTempDir(label);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Debian's python3 first (it has the vendored MLflow's dependencies), the vendored client importable, no tracking variables inherited. */
export function pythonRunEnv(): Record<string, string | undefined> {
  const env = pythonEnv({});
  return { ...env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MLFLOW_TRACKING_URI: undefined, MLFLOW_RUN_ID: undefined, MLFLOW_EXPERIMENT_ID: undefined };
}

/** Runs `read` on the data dir's database, opened read-only (it must exist). */
export function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** `mldesk sweep --json`'s object. */
export interface SweepJson {
  sweep_id: string;
  run_id: string;
  state: string;
  best: { number: number; run_id: string; parameters: Record<string, number>; value: number } | null;
  trials: Array<{ number: number; run_id: string; state: string; parameters: Record<string, number>; value: number | null; step: number | null; reason: string | null; pruned_at_step: number | null }>;
}

/**
 * A node script logging loss = (0.05 + |x − 0.3|)·(1 + 3/step) for steps 1-9 over the tracking REST
 * API, as any language's client would (fast to start, for CI): x = 0.3 is the known best at every step.
 */
export const CURVE_TRAIN_JS = `
const x = Number(process.argv[2]);
const uri = process.env.MLFLOW_TRACKING_URI, run_id = process.env.MLFLOW_RUN_ID;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let step = 1; step <= 9; step++) {
    const value = (0.05 + Math.abs(x - 0.3)) * (1 + 3 / step);
    await fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id, key: 'loss', value, step, timestamp: Date.now() }) });
    await sleep(150);
  }
})();
`;

/** The 16 grid values of the ASHA sweeps. */
export const CURVE_XS = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05, 0.95, 0.45, 0.35, 0.65, 0.15, 0.85];

/** The MLproject of the one-parameter node trials: `node train.js {x}`. */
export const NODE_TRIAL_MLPROJECT = 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node train.js {x}"\n';

/**
 * A node trial logging loss = |x − 0.3| + 1/step at each of `steps` steps over the tracking REST
 * API (best: x = 0.3), `delayMs` apart, sending MLFLOW_TRACKING_TOKEN as a bearer token as the
 * MLflow client does. A refused log exits 3 with the answer on stderr; the tracking URI it was
 * given is printed at the end.
 */
export function nodeTrialJs(steps: number, delayMs = 0): string {
  return `
const x = Number(process.argv[2]);
const uri = process.env.MLFLOW_TRACKING_URI, run_id = process.env.MLFLOW_RUN_ID, token = process.env.MLFLOW_TRACKING_TOKEN;
const headers = { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) };
(async () => {
  for (let step = 1; step <= ${steps}; step++) {
    const response = await fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers, body: JSON.stringify({ run_id, key: 'loss', value: Math.abs(x - 0.3) + 1 / step, step, timestamp: Date.now() }) });
    if (!response.ok) { console.error('log-metric', response.status, await response.text()); process.exit(3); }
    if (${delayMs} > 0) await new Promise((r) => setTimeout(r, ${delayMs}));
  }
  console.log('tracking uri ' + uri);
})();
`;
}
