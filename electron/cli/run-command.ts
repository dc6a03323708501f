/**
 * `mldesk run PATH`: runs an MLflow project's entry point as a job. Without --tracking-uri the data
 * dir's tracking server is started in this process (127.0.0.1, a free port) so the project's own
 * MLflow client logs into it; the run and a jobs row exist before the process starts.
 */
import { Option, type Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { JOB_ID_TAG, type ProjectRunResult } from '../../shared/automation.js';
import { JobStore } from '../core/automation/job-store.js';
import { launchProjectRun, type ProjectLaunchResult } from '../core/automation/project-launch.js';
import { identityOf, ownerToken } from '../core/automation/process-identity.js';
import { prepareProjectRun, prepareProjectRunRemote, type PreparedProjectRun } from '../core/automation/projects/prepare.js';
import { TrackingClient } from '../core/automation/projects/tracking-client.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import type { NamedToken } from '../core/http-auth.js';

interface RunFlags {
  entry: string;
  param: string[];
  experiment?: string;
  json?: boolean;
  dataDir?: string;
  trackingUri?: string;
  runName?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Usage and project errors exit 2; a run that did not finish exits 1. */
class RunUsageError extends Error {}

function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new RunUsageError(`-P ${pair}: expected NAME=VALUE.`);
    const name = pair.slice(0, eq);
    if (name in out) throw new RunUsageError(`-P ${name} is given twice.`);
    out[name] = pair.slice(eq + 1);
  }
  return out;
}

/** Where `mldesk sweep` binds its tracking server (workers on other machines log into it). */
export interface TrackingBind {
  host: string;
  port: number;
  tokens: readonly NamedToken[];
}

/** How this process reaches its own server: over loopback when it listens on every address. */
function ownAddress(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The tracking server of a data dir, in this process: REST API and artifact proxy only (no deployments, no monitoring). */
export async function startLocalTracking(dataDir: string | undefined, version: string, bind: TrackingBind = { host: '127.0.0.1', port: 0, tokens: [] }) {
  // Loaded on demand: other commands should not pay for the server's start-up.
  const [{ createServices }, { buildServer }] = await Promise.all([import('../core/services.js'), import('../server/http-server.js')]);
  const services = createServices({ dataDir: resolveDataDir(dataDir), background: true });
  try {
    const app = await buildServer({ services, tokens: bind.tokens, version });
    await app.listen({ host: bind.host, port: bind.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { services, port, url: `http://${ownAddress(bind.host)}:${port}`, close: () => app.close().then(() => services.close()) };
  } catch (error) {
    await services.close();
    throw error;
  }
}

async function latestMetrics(client: TrackingClient, runId: string): Promise<Record<string, number>> {
  const run = await client.getRun(runId);
  // System metrics (cpu, memory) are left out, as `mldesk train --json` does.
  return Object.fromEntries((run.data.metrics ?? []).filter((metric) => !metric.key.startsWith('system/')).map((metric) => [metric.key, Number(metric.value)]));
}

export async function runProjectCommand(path: string, flags: RunFlags, version: string): Promise<number> {
  const out = (text: string) => (flags.json ? process.stderr : process.stdout).write(text);
  const parameters = parseParams(flags.param);
  const input = { path, entry: flags.entry, parameters, experiment: flags.experiment, runName: flags.runName };
  const token = process.env.MLFLOW_TRACKING_TOKEN || undefined;
  const local = flags.trackingUri ? null : await startLocalTracking(flags.dataDir, version);
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => abort.abort(`mldesk run received ${signal}`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const workDir = await mkdtemp(join(tmpdir(), 'mldesk-run-'));
  try {
    const trackingUri = flags.trackingUri ?? local!.url;
    const client = new TrackingClient(trackingUri, token);
    let prepared: PreparedProjectRun;
    let jobs: { store: JobStore; id: string } | null = null;
    if (local) {
      // The built-in TF.js templates' `mldesk train --run-id` logs into this data dir's run.
      prepared = prepareProjectRun(local.services.store, { ...input, env: { MLDESK_HOME: local.services.store.dataDir } });
      const store = new JobStore(local.services.store.db);
      const job = store.create({ kind: 'project', name: `${basename(prepared.spec.project.kind === 'path' ? prepared.spec.project.path : path)}:${prepared.spec.entryPoint}`, executor: 'local', spec: prepared.spec, runId: prepared.runId, experimentId: prepared.experimentId });
      jobs = { store, id: job.id };
      local.services.store.setTag(prepared.runId, { key: JOB_ID_TAG, value: job.id });
      // Owner and pid identities as the local pool records them, so restart recovery can judge this job too.
      store.claim(job.id, { workerId: `mldesk-run-${process.pid}`, owner: ownerToken() });
    } else {
      prepared = await prepareProjectRunRemote(client, input);
    }
    out(`Run ${prepared.runId} in experiment ${prepared.experimentId}${jobs ? ` (job ${jobs.id})` : ''}\n$ ${prepared.command}\n`);
    let result: ProjectLaunchResult;
    try {
      result = await launchProjectRun(prepared.spec, {
        trackingUri,
        token,
        runId: prepared.runId,
        workDir,
        signal: abort.signal,
        onStarted: (pid) => jobs?.store.setPid(jobs.id, pid, identityOf(pid)),
        onOutput: (chunk, stream) => {
          (flags.json || stream === 'stderr' ? process.stderr : process.stdout).write(chunk);
          jobs?.store.appendLog(jobs.id, chunk);
        },
      });
    } catch (error) {
      jobs?.store.finish(jobs.id, { status: 'failed', reason: (error as Error).message, retry: false });
      throw error;
    }
    jobs?.store.finish(jobs.id, {
      status: result.runStatus === 'FINISHED' ? 'succeeded' : result.runStatus === 'KILLED' ? 'cancelled' : 'failed',
      exitCode: result.exitCode,
      reason: result.reason,
      retry: false,
    });
    const summary: ProjectRunResult = {
      run_id: prepared.runId,
      experiment_id: prepared.experimentId,
      status: result.runStatus,
      metrics: await latestMetrics(client, prepared.runId),
      ...(jobs ? { job_id: jobs.id } : {}),
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`Run ${summary.run_id} ${summary.status}${result.reason ? ` (${result.reason})` : ''}\n`);
      const metrics = Object.entries(summary.metrics);
      if (metrics.length > 0) process.stdout.write(`  ${metrics.map(([key, value]) => `${key}=${value}`).join('  ')}\n`);
    }
    return summary.status === 'FINISHED' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(workDir, { recursive: true, force: true });
    await local?.close();
  }
}

export function registerRunCommand(program: Command, version: string): void {
  program
    .command('run')
    .description(
      'Run an MLflow project (a folder with an MLproject file, or .py/.sh entry points) as a job: checks its parameters, creates the run, ' +
        'starts the entry point with MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID set, stores stdout/stderr and lineage, ' +
        'and ends the run with the process status. Exit code 0 when FINISHED, 1 otherwise, 2 for a bad project or parameter.',
    )
    .argument('<path>', 'the project folder')
    .option('-e, --entry <name>', 'entry point (or a .py/.sh file of the project)', 'main')
    .option('-P, --param <name=value>', 'a parameter; repeat for several', collect, [])
    .option('--experiment <name>', 'experiment name (created when missing)', undefined)
    .option('--run-name <name>', 'name of the run')
    .option('--json', 'print one JSON object: run_id, experiment_id, status, metrics, job_id (the project output goes to stderr)')
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .addOption(new Option('--tracking-uri <uri>', 'log into this tracking server instead of the data dir (bearer token from MLFLOW_TRACKING_TOKEN)'))
    .action(async (path: string, flags: RunFlags) => {
      let code: number;
      try {
        code = await runProjectCommand(path, flags, version);
      } catch (error) {
        const usage = error instanceof RunUsageError || (error instanceof MLDeskError && error.code === 'INVALID_PARAMETER_VALUE');
        process.stderr.write(`mldesk run: ${(error as Error).message}\n`);
        code = usage ? 2 : 1;
      }
      process.exit(code);
    });
}
