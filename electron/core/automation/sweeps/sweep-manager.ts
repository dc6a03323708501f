import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import type { SweepSpec } from '../../../../shared/automation.js';
import type { SweepSummary } from '../../../../shared/app-api/sweeps.js';
import { invalidParameter, MLDeskError } from '../../errors.js';
import type { TrackingStore } from '../../store/tracking-store.js';
import type { JobStore } from '../job-store.js';
import { isIdentityAlive } from '../process-identity.js';
import { SweepController, type StartSweep, type SweepDeps } from './sweep-controller.js';
import { SweepStore } from './sweep-store.js';

/** Where a project lives, checked before anything is created: an absolute folder with an MLproject file. */
export function projectFolder(project: string, base?: string): string {
  const path = isAbsolute(project) ? normalize(project) : base ? join(base, project) : null;
  if (path === null) throw invalidParameter(`Invalid sweep spec: project: '${project}' must be an absolute path to a project folder.`);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw invalidParameter(`Invalid sweep spec: project: no folder at ${path}.`);
  if (!existsSync(join(path, 'MLproject')) && !existsSync(join(path, 'MLproject.yaml'))) {
    throw invalidParameter(`Invalid sweep spec: project: ${path} has no MLproject file.`);
  }
  return path;
}

/**
 * The sweeps this process drives. A sweep's controller lives in the process that started it; a
 * sweep found 'running' with no controller (the app closed mid-sweep) is ended as failed at start.
 */
export class SweepManager {
  readonly store: SweepStore;
  private readonly live = new Map<string, SweepController>();

  constructor(
    private readonly tracking: TrackingStore,
    /** The job store and executor trials run on; null where no executor runs (a read-only bundle). */
    private readonly deps: () => Omit<SweepDeps, 'store' | 'sweeps'> | null,
  ) {
    this.store = new SweepStore(tracking.db);
  }

  /**
   * Sweeps left running by a process that is gone end as failed, with their open trials. A sweep
   * whose job is held by a live process (`mldesk sweep`, or the app, beside this one on the same
   * data dir) is that process's to drive, and is left alone.
   */
  recover(): string[] {
    const jobs = this.deps()?.jobs;
    const orphans = this.store.running().filter((id) => !this.live.has(id) && !this.drivenElsewhere(id, jobs));
    for (const id of orphans) {
      const reason = 'MLDesk stopped while the sweep ran';
      this.store.abandon(id, reason);
      const jobId = this.store.get(id).jobId;
      const holder = jobId && jobs ? jobs.holder(jobId) : null;
      if (jobId && jobs && holder?.status === 'running') jobs.markLost(jobId, holder.owner, reason);
    }
    return orphans;
  }

  private drivenElsewhere(id: string, jobs: JobStore | undefined): boolean {
    const jobId = this.store.get(id).jobId;
    const holder = jobId && jobs ? jobs.holder(jobId) : null;
    return holder?.status === 'running' && holder.owner !== null && isIdentityAlive(holder.owner);
  }

  start(spec: SweepSpec, options: Omit<StartSweep, 'spec' | 'tickMs'>): SweepController {
    const deps = this.deps();
    if (!deps) throw new MLDeskError('INVALID_STATE', 'Sweeps need a job executor, which this MLDesk process does not run.');
    const controller = new SweepController({ ...deps, store: this.tracking, sweeps: this.store }, { ...options, spec });
    this.live.set(controller.id, controller);
    void controller.done.finally(() => this.live.delete(controller.id));
    return controller;
  }

  cancel(id: string, reason: string): SweepSummary {
    const summary = this.store.get(id);
    const controller = this.live.get(id);
    if (controller) controller.cancel(reason);
    else if (summary.state === 'running') this.store.abandon(id, reason);
    return this.store.get(id);
  }

  /** Cancels every sweep this process drives and waits (at most `waitMs`) for their trials to end: shutdown must not hang on a stuck process. */
  async stopAll(reason: string, waitMs = 10_000): Promise<void> {
    const controllers = [...this.live.values()];
    for (const controller of controllers) controller.cancel(reason);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(controllers.map((controller) => controller.done)), timeout]);
    clearTimeout(timer);
  }
}
