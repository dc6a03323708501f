/**
 * What the real-MLflow-client test files share: the gate on the vendored client (a loud failure in
 * CI, a printed skip elsewhere) and the results of the Python scripts, read section by section.
 */
import { describe, it } from 'vitest';
import { mlflowAvailability, runPython, SETUP, type PythonResult } from './python-client.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = Record<string, Json>;
type Sections = Record<string, { ok?: Json; error?: string }>;

export const obj = (value: Json | undefined): Obj => value as Obj;

const availability = mlflowAvailability();
// The first test of a file waits for its whole script (tens of seconds on a loaded 2-core runner).
const SUITE_OPTIONS = { timeout: 180_000 };

/** `describe` when the vendored client runs here; otherwise a failing test in CI, a printed skip elsewhere. */
export function describeWithClient(title: string, body: () => void): void {
  if (availability.ok) {
    describe(title, SUITE_OPTIONS, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the vendored MLflow client (CI must run this suite)', () => {
        throw new Error(`The real MLflow client suite cannot run: ${availability.reason}`);
      });
    });
    return;
  }
  console.warn(`[mlflow-client] ${title}: skipped because ${availability.reason}`);
  describe.skip(title, SUITE_OPTIONS, body);
}

/** The results of one script, or why the script itself failed (with its output). */
function parseResults(script: string, result: PythonResult): Sections {
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULTS '));
  if (result.code !== 0 || line === undefined) {
    throw new Error(
      `${script} exited with ${result.code} after ${result.seconds.toFixed(1)} s (an ImportError means \`bash ${SETUP}\` has not run).\nstdout:\n${result.stdout.slice(-3000)}\nstderr:\n${result.stderr.slice(-3000)}`,
    );
  }
  return JSON.parse(line.slice('RESULTS '.length)) as Sections;
}

/** Python scripts started together (each start imports mlflow, 1–2 s) and read by many tests. */
export class ClientScripts {
  private readonly pending = new Map<string, Promise<Sections>>();

  launch(script: string, env: Record<string, string>): void {
    const results = runPython(script, env).then((result) => parseResults(script, result));
    // A failure surfaces in the tests that read the script; this only keeps it from being unhandled.
    results.catch(() => undefined);
    this.pending.set(script, results);
  }

  /** One section's value; a Python exception in it fails the calling test with its traceback. */
  async section(script: string, name: string): Promise<Obj> {
    const pending = this.pending.get(script);
    if (!pending) throw new Error(`${script} was not launched`);
    const entry = (await pending)[name];
    if (entry === undefined) throw new Error(`${script} reported no section ${name}`);
    if (entry.error !== undefined) throw new Error(`${script}: section ${name} raised in the MLflow client:\n${entry.error}`);
    return entry.ok as Obj;
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.pending.values());
  }
}
