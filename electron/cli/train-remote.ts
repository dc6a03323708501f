/**
 * `mldesk train --run-id` where the run is not in this machine's data dir but on the tracking
 * server MLFLOW_TRACKING_URI names (a BullMQ worker running the built-in MLP project): training
 * happens in a scratch data dir under the server's run id and RemoteRunMirror copies it over REST.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackingClient } from '../core/automation/projects/tracking-client.js';
import { resolveDataDir } from '../core/data-dir.js';
import { RemoteRunMirror } from '../core/training/remote-mirror.js';
import { TrackingStore } from '../core/store/tracking-store.js';

const SYNC_MS = 1000;

/** The server to log into when the run is not local: an http(s) MLFLOW_TRACKING_URI and a data dir that lacks the run. */
export function remoteTrackingFor(runId: string, dataDir: string | undefined): string | null {
  const uri = process.env.MLFLOW_TRACKING_URI ?? '';
  if (!/^https?:\/\//i.test(uri)) return null;
  const dir = resolveDataDir(dataDir);
  // `mldesk run` and the local pool point MLDESK_HOME at the data dir holding the run: train there, as always.
  if (existsSync(join(dir, 'mldesk.db'))) {
    const store = TrackingStore.open(dir);
    try {
      store.runs.row(runId, 'run_id');
      return null;
    } catch {
      // Not here: the tracking server has it.
    } finally {
      store.close();
    }
  }
  return uri;
}

export class RemoteTrainError extends Error {}

/** Trains through `train(scratchDataDir)` and mirrors the run to the server; resolves with train's exit code (1 when mirroring failed). */
export async function trainIntoRemoteRun(trackingUri: string, runId: string, train: (dataDir: string) => Promise<number>): Promise<number> {
  const client = new TrackingClient(trackingUri, process.env.MLFLOW_TRACKING_TOKEN || undefined);
  const remote = await client.getRun(runId).catch((error: Error) => {
    throw new RemoteTrainError(`--run-id: ${error.message}`);
  });
  if (remote.info.status !== 'RUNNING') throw new RemoteTrainError(`--run-id: run ${runId} on ${trackingUri} is ${remote.info.status}; --run-id needs a RUNNING run.`);
  const scratchDir = await mkdtemp(join(tmpdir(), 'mldesk-train-remote-'));
  const scratch = TrackingStore.open(scratchDir);
  try {
    scratch.createRun({ experimentId: scratch.experiments.idForName('Default'), runId, tags: [] });
    const mirror = new RemoteRunMirror(scratch, client, remote);
    const timer = setInterval(() => void mirror.sync(), SYNC_MS);
    let code: number;
    try {
      code = await train(scratchDir);
    } finally {
      clearInterval(timer);
    }
    try {
      await mirror.finish();
    } catch (error) {
      const reason = `mldesk train: could not copy the run to ${trackingUri}: ${(error as Error).message}`;
      process.stderr.write(`${reason}\n`);
      await client.setTag(runId, 'mldesk.failure_reason', reason.slice(0, 5000)).catch(() => undefined);
      await client.updateRun(runId, 'FAILED', Date.now()).catch(() => undefined);
      return 1;
    }
    return code;
  } finally {
    scratch.close();
    await rm(scratchDir, { recursive: true, force: true });
  }
}
