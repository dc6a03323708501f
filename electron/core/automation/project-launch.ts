import type { JobSpec } from '../../../shared/automation.js';

/** Everything a process running a project job needs; the same on this machine and on a BullMQ worker. */
export interface ProjectLaunchContext {
  /** The tracking server the project logs into (MLFLOW_TRACKING_URI): REST API and artifact proxy. */
  trackingUri: string;
  /** Bearer token for that server, when it needs one (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** The run this attempt logs into (a retry gets a new run; see JobStore.setRun). */
  runId: string;
  /** A scratch folder for this attempt (snapshot download, extracted project). */
  workDir: string;
  /** Output as it comes (stdout and stderr interleaved), for the job's log tail and live logs. */
  onOutput(chunk: string, stream: 'stdout' | 'stderr'): void;
  /** The child's pid once started (process group leader), for cancel and restart recovery. */
  onStarted?(pid: number): void;
  /** Aborting kills the whole process tree; the run ends KILLED with the abort reason. */
  signal: AbortSignal;
}

export interface ProjectLaunchResult {
  exitCode: number | null;
  /** How the run was ended: FINISHED on exit 0, KILLED when aborted, FAILED otherwise. */
  runStatus: 'FINISHED' | 'FAILED' | 'KILLED';
  reason: string | null;
}

/**
 * Runs a project job's entry point through the tracking REST API only (no local store access), so
 * the local pool and a remote `mldesk worker` share it: materialises the project (folder or
 * snapshot from the artifact proxy), fills the entry point's command, starts it in its own
 * process group with MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID, streams output,
 * uploads stdout/stderr as run artifacts and ends the run with the process's status.
 *
 * Contract stub: the projects owner replaces the body.
 */
export function launchProjectRun(spec: Extract<JobSpec, { type: 'project' }>, context: ProjectLaunchContext): Promise<ProjectLaunchResult> {
  void spec;
  void context;
  return Promise.reject(new Error('launchProjectRun is not built yet'));
}
