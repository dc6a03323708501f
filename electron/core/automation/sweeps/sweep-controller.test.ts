import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SweepSpecSchema, type Job, type SweepSpecInput } from '../../../../shared/automation.js';
import { openTempStore, type TempStore } from '../../store/test-store.js';
import type { JobExecutor } from '../executor.js';
import { JobStore } from '../job-store.js';
import { SweepController, PRUNED_TAG, PRUNED_AT_STEP_TAG, STALE_TAG } from './sweep-controller.js';
import { SweepStore } from './sweep-store.js';

/**
 * An executor that runs each trial in this process: it logs the objective of a known curve a step
 * at a time into the trial's run (as a project's MLflow client would over REST), and stops when
 * cancelled. The real local pool and processes are exercised by tests/integration/sweep-cli.test.ts.
 */
class CurveExecutor implements JobExecutor {
  readonly kind = 'local' as const;
  readonly running = new Set<string>();
  maxRunning = 0;
  private readonly stops = new Map<string, () => void>();
  private readonly waiters = new Map<string, Promise<Job>>();

  constructor(
    private readonly temp: TempStore,
    private readonly jobs: JobStore,
    private readonly curve: (params: Record<string, string>, step: number) => number | null,
    private readonly steps = 9,
    private readonly stepMs = 15,
  ) {}

  submit(job: Job): Promise<void> {
    this.waiters.set(
      job.id,
      new Promise<Job>((resolve) => {
        setTimeout(() => {
          this.jobs.claim(job.id, { workerId: 'test' });
          this.running.add(job.id);
          this.maxRunning = Math.max(this.maxRunning, this.running.size);
          const spec = job.spec as Extract<Job['spec'], { type: 'project' }>;
          let step = 0;
          const end = (status: 'succeeded' | 'cancelled', reason: string | null) => {
            clearInterval(timer);
            this.running.delete(job.id);
            resolve(this.jobs.finish(job.id, { status, reason }).job);
          };
          const timer = setInterval(() => {
            step++;
            const value = this.curve(spec.parameters, step);
            if (value !== null) this.temp.store.logBatch(spec.runId, { metrics: [{ key: 'loss', value, step, timestamp: Date.now() }], params: [], tags: [] });
            if (step >= this.steps) end('succeeded', null);
          }, this.stepMs);
          // Like a real process, it gets one more step logged between the cancel and its death.
          this.stops.set(job.id, () => {
            const value = this.curve(spec.parameters, step + 1);
            if (value !== null) this.temp.store.logBatch(spec.runId, { metrics: [{ key: 'loss', value, step: step + 1, timestamp: Date.now() }], params: [], tags: [] });
            setTimeout(() => end('cancelled', null), 30);
          });
        }, 1);
      }),
    );
    return Promise.resolve();
  }

  cancel(jobId: string, reason: string): Promise<void> {
    this.stops.get(jobId)?.();
    this.jobs.finish(jobId, { status: 'cancelled', reason });
    return Promise.resolve();
  }

  waitFor(jobId: string): Promise<Job> {
    return this.waiters.get(jobId)!;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// A real project folder: the controller checks the trial parameters against its MLproject before it starts.
const project = mkdtempSync(join(tmpdir(), 'mldesk-sweep-project-'));
writeFileSync(join(project, 'MLproject'), 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node -e 0 {x}"\n');
afterAll(() => rmSync(project, { recursive: true, force: true }));

let temp: TempStore | undefined;
afterEach(() => {
  temp?.dispose();
  temp = undefined;
});

function setUp(curve: (params: Record<string, string>, step: number) => number | null, spec: SweepSpecInput, parallel = 4, steps = 9) {
  temp = openTempStore('sweep-controller');
  const jobs = new JobStore(temp.store.db);
  const executor = new CurveExecutor(temp, jobs, curve, steps);
  const controller = new SweepController({ store: temp.store, jobs, executor }, { spec: SweepSpecSchema.parse(spec), projectPath: project, parallel, tickMs: 20 });
  return { store: temp.store, jobs, executor, controller, sweeps: new SweepStore(temp.store.db) };
}

const xs = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05, 0.95, 0.45, 0.35, 0.65, 0.15, 0.85];
// The loss is ordered by |x − 0.3| at every step, so the best trial is known: x = 0.3.
const curve = (params: Record<string, string>, step: number) => (0.05 + Math.abs(Number(params.x) - 0.3)) * (1 + 3 / step);

describe('sweep controller', () => {
  it('runs trials as child runs a few at a time, prunes losers at ASHA rungs as they report, and finds the best', async () => {
    const { store, jobs, executor, controller, sweeps } = setUp(curve, {
      name: 'asha-test',
      project: '.',
      method: 'grid',
      metric: { name: 'loss', goal: 'minimize' },
      parameters: { x: { values: xs } },
      early_terminate: { type: 'asha', min_iter: 1, eta: 3 },
    });
    const summary = await controller.done;
    expect(summary.state).toBe('finished');
    expect(executor.maxRunning).toBeLessThanOrEqual(4);
    const detail = sweeps.detail(controller.id);
    expect(detail.trials).toHaveLength(16);
    const best = detail.trials.find((trial) => trial.number === detail.bestTrial)!;
    expect(best.parameters.x).toBe(0.3);
    expect(best.state).toBe('completed');
    const pruned = detail.trials.filter((trial) => trial.state === 'pruned');
    expect(pruned.length).toBeGreaterThanOrEqual(8);
    for (const trial of pruned) {
      expect([1, 3]).toContain(trial.prunedAtStep);
      expect(trial.reason).toMatch(/^pruned at step \d+: rung \d \(step \d+\): loss [\d.]+ is outside the top \d+ of \d+ at this rung/);
      const run = store.runs.get(trial.runId!);
      expect(run.info.status).toBe('KILLED');
      const tags = Object.fromEntries(run.data.tags!.map((tag) => [tag.key, tag.value]));
      expect(tags[PRUNED_TAG]).toBe(trial.reason);
      expect(tags[PRUNED_AT_STEP_TAG]).toBe(String(trial.prunedAtStep));
      expect(tags['mlflow.parentRunId']).toBe(controller.runId);
      expect(jobs.get(trial.jobId!)).toMatchObject({ status: 'cancelled', kind: 'trial', reason: trial.reason });
      // It keeps the value and step it was judged on, whatever its process logged while dying.
      expect(trial.step).toBe(trial.prunedAtStep);
    }
    // Every prune is a stored decision with the numbers compared; so is every promotion at a rung.
    const prunes = detail.decisions.filter((decision) => decision.decision === 'prune');
    expect(prunes).toHaveLength(pruned.length);
    expect(detail.decisions.filter((decision) => decision.decision === 'continue').length).toBeGreaterThan(0);
    // Nothing left running: jobs, runs, the sweep's own job and parent run.
    expect(jobs.list({ status: ['queued', 'running'] })).toEqual([]);
    expect(store.runs.get(controller.runId).info.status).toBe('FINISHED');
    expect(jobs.get(summary.jobId!)).toMatchObject({ kind: 'sweep', status: 'succeeded' });
    expect(jobs.list({ parentId: summary.jobId }).length).toBe(16);
    expect(detail.bestSoFar.at(-1)!.best).toBeCloseTo(best.value!);
    expect(detail.importance[0]).toMatchObject({ parameter: 'x' });
  });

  it('marks a trial that stops reporting as stale, stops its job and ends its run', { timeout: 15_000 }, async () => {
    // Trial with x = 0.5 goes silent after step 2 and never ends by itself.
    const silent = (params: Record<string, string>, step: number) => (params.x === '0.5' && step > 2 ? null : curve(params, step));
    const { store, jobs, controller, sweeps } = setUp(
      silent,
      {
      project: '.',
      method: 'grid',
      metric: { name: 'loss', goal: 'minimize' },
      parameters: { x: { values: [0.1, 0.5] } },
        stale_after_s: 0.3,
      },
      2,
      60,
    );
    const summary = await Promise.race([controller.done, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
    expect(summary).not.toBeNull();
    const stale = sweeps.trials(controller.id).find((trial) => trial.parameters.x === 0.5)!;
    expect(stale.state).toBe('stale');
    expect(stale.reason).toMatch(/^stale: no loss reported for \d+ s since step 2 \(stale_after_s 0.3\)$/);
    expect(store.runs.get(stale.runId!).info.status).toBe('KILLED');
    expect(jobs.get(stale.jobId!).status).toBe('cancelled');
    const tags = Object.fromEntries(store.runs.get(stale.runId!).data.tags!.map((tag) => [tag.key, tag.value]));
    expect(tags[STALE_TAG]).toBe(stale.reason);
  });

  it('cancels every trial and ends the sweep as cancelled', async () => {
    const { jobs, controller, sweeps } = setUp(curve, { project: '.', method: 'random', run_cap: 8, metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { min: 0, max: 1 } } }, 2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    controller.cancel('cancelled from the test');
    const summary = await controller.done;
    expect(summary).toMatchObject({ state: 'cancelled', reason: 'cancelled from the test' });
    expect(jobs.list({ status: ['queued', 'running'] })).toEqual([]);
    expect(sweeps.trials(controller.id).every((trial) => ['cancelled', 'completed'].includes(trial.state))).toBe(true);
  });
});
