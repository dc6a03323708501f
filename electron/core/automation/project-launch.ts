import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { JobSpec } from '../../../shared/automation.js';
import { addMldeskShim, chooseInterpreter, environmentFiles } from './projects/environment.js';
import { loadProject, resolveEntryPoint } from './projects/mlproject.js';
import { fillCommand } from './projects/parameters.js';
import { runInProcessGroup } from './projects/process-group.js';
import { datasetsOf, FAILURE_REASON_TAG, gitTags, LINEAGE_ARTIFACT, lineageTags, SNAPSHOT_GIT_TAGS, type ProjectLineage } from './projects/project-lineage.js';
import { materialiseSnapshot } from './projects/snapshot.js';
import { TrackingClient, type KV, type RestRun } from './projects/tracking-client.js';

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
  /** Between SIGTERM and SIGKILL of the process group when aborted (default 5 s). */
  killGraceMs?: number;
}

export interface ProjectLaunchResult {
  exitCode: number | null;
  /** How the run was ended: FINISHED on exit 0, KILLED when aborted, FAILED otherwise. */
  runStatus: 'FINISHED' | 'FAILED' | 'KILLED';
  reason: string | null;
}

export const STDOUT_ARTIFACT = 'logs/stdout.txt';
export const STDERR_ARTIFACT = 'logs/stderr.txt';

const abortReason = (signal: AbortSignal): string => {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'cancelled';
};

/** Ends the run; the process's status wins over whatever the script itself set. */
async function endRun(client: TrackingClient, runId: string, result: ProjectLaunchResult): Promise<ProjectLaunchResult> {
  if (result.reason && result.runStatus !== 'FINISHED') await client.setTag(runId, FAILURE_REASON_TAG, result.reason.slice(0, 5000));
  await client.updateRun(runId, result.runStatus, Date.now());
  return result;
}

/**
 * Runs a project job's entry point through the tracking REST API only (no local store access), so
 * the local pool and a remote `mldesk worker` share it: materialises the project (folder or
 * snapshot from the artifact proxy), fills the entry point's command, starts it in its own
 * process group with MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID, streams output,
 * uploads stdout/stderr as run artifacts and ends the run with the process's status.
 * A project that cannot start (bad parameter, missing entry point, snapshot hash mismatch) ends
 * its run FAILED with the reason; only an unreachable tracking server rejects.
 */
export async function launchProjectRun(spec: Extract<JobSpec, { type: 'project' }>, context: ProjectLaunchContext): Promise<ProjectLaunchResult> {
  const client = new TrackingClient(context.trackingUri, context.token);
  const runId = context.runId;
  const run = await client.getRun(runId);
  if (context.signal.aborted) return endRun(client, runId, { exitCode: null, runStatus: 'KILLED', reason: abortReason(context.signal) });
  await mkdir(context.workDir, { recursive: true });
  let prepared: Awaited<ReturnType<typeof prepareLaunch>>;
  try {
    prepared = await prepareLaunch(client, run, spec, context);
  } catch (error) {
    const reason = `the project could not start: ${(error as Error).message}`;
    context.onOutput(`mldesk: ${reason}\n`, 'stderr');
    return endRun(client, runId, { exitCode: null, runStatus: 'FAILED', reason });
  }
  const stdoutFile = join(context.workDir, 'stdout.txt');
  const stderrFile = join(context.workDir, 'stderr.txt');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...spec.env,
    PATH: prepared.pathVariable,
    MLFLOW_TRACKING_URI: context.trackingUri,
    MLFLOW_RUN_ID: runId,
    MLFLOW_EXPERIMENT_ID: run.info.experiment_id,
  };
  if (context.token) env.MLFLOW_TRACKING_TOKEN = context.token;
  const exit = await runInProcessGroup({
    command: prepared.command,
    cwd: prepared.projectDir,
    env,
    stdoutFile,
    stderrFile,
    onOutput: context.onOutput,
    onStarted: context.onStarted,
    signal: context.signal,
    graceMs: context.killGraceMs,
  });
  const uploadProblems: string[] = [];
  for (const [file, path] of [
    [stdoutFile, STDOUT_ARTIFACT],
    [stderrFile, STDERR_ARTIFACT],
  ] as const) {
    await client.uploadArtifact(run, path, { file }).catch((error: Error) => uploadProblems.push(`${path}: ${error.message}`));
  }
  let result: ProjectLaunchResult;
  if (exit.aborted) result = { exitCode: exit.exitCode, runStatus: 'KILLED', reason: abortReason(context.signal) };
  else if (exit.spawnError) result = { exitCode: null, runStatus: 'FAILED', reason: `the command could not be started: ${exit.spawnError}` };
  else if (exit.exitCode === 0) result = { exitCode: 0, runStatus: 'FINISHED', reason: null };
  else result = { exitCode: exit.exitCode, runStatus: 'FAILED', reason: exit.signal ? `killed by signal ${exit.signal}` : `exit code ${exit.exitCode}` };
  if (uploadProblems.length > 0) context.onOutput(`mldesk: could not upload the output logs (${uploadProblems.join('; ')})\n`, 'stderr');
  return endRun(client, runId, result);
}

/** Materialise, fill, record lineage: everything before the process starts. */
async function prepareLaunch(client: TrackingClient, run: RestRun, spec: Extract<JobSpec, { type: 'project' }>, context: ProjectLaunchContext) {
  const projectDir = spec.project.kind === 'path' ? resolve(spec.project.path) : await materialiseSnapshot(client, spec.project, context.workDir);
  const loaded = loadProject(projectDir);
  const entry = resolveEntryPoint(loaded, spec.entryPoint);
  const filled = fillCommand(entry, spec.parameters, { baseDir: projectDir });
  const envFiles = environmentFiles(projectDir, loaded.project);
  const interpreter = await chooseInterpreter(projectDir, envFiles, join(context.workDir, 'bin'));
  context.onOutput(`mldesk: ${interpreter.description}\n`, 'stderr');
  const tags: KV[] = [];
  let code: ProjectLineage['code'] = null;
  const existing = new Set((run.data.tags ?? []).map((tag) => tag.key));
  // A snapshot has no .git: its git state was recorded when it was taken.
  if (spec.project.kind === 'path' || !SNAPSHOT_GIT_TAGS.some((key) => existing.has(key))) {
    const git = await gitTags(projectDir);
    code = git.code;
    tags.push(...git.tags);
  }
  const all = [...filled.parameters, ...filled.extra];
  const lineage: ProjectLineage = {
    source: spec.project,
    entryPoint: spec.entryPoint,
    command: filled.command,
    parameters: Object.fromEntries(all.map((p) => [p.name, p.value])),
    environmentFiles: envFiles,
    interpreter: interpreter.description,
    datasets: await datasetsOf(filled.parameters, run.data.tags ?? []),
    code,
  };
  tags.push(...lineageTags(lineage, interpreter));
  const params = all.map((p) => ({ key: p.name, value: p.value.slice(0, 6000) }));
  await client.logParamsAndTags(run.info.run_id, params, tags);
  const lineageFile = join(context.workDir, 'project-lineage.json');
  await writeFile(lineageFile, `${JSON.stringify(lineage, null, 2)}\n`);
  await client.uploadArtifact(run, LINEAGE_ARTIFACT, { file: lineageFile });
  return { projectDir, command: filled.command, pathVariable: await addMldeskShim(join(context.workDir, 'bin'), interpreter.pathVariable) };
}
