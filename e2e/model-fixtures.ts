import { appApi, expect, SERVER_POLL, type ServedApp } from './serve-fixture.js';

/** Trains a tiny iris classifier through the app API (as the New run form does) and waits for it to finish. */
export async function trainIris(app: ServedApp, runName: string, seed: number): Promise<string> {
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', {
    dataset: 'iris',
    target: 'species',
    experimentName: 'iris-models',
    runName,
    backend: 'cpu',
    hyperparameters: { epochs: 12, hiddenUnits: [8], learningRate: 0.05, seed },
  });
  await expect
    .poll(async () => (await appApi<{ run: { status: string } }>(app, 'runs.get', { runId })).run.status, { timeout: 60_000, intervals: SERVER_POLL, message: `run ${runName} should finish` })
    .toBe('FINISHED');
  // The job panel and top-bar indicator settle once the worker's last message is in.
  await expect
    .poll(async () => (await appApi<{ jobs: Array<{ runId: string; progress: { phase: string } }> }>(app, 'training.jobs', {})).jobs.find((j) => j.runId === runId)?.progress.phase, { intervals: SERVER_POLL })
    .toBe('finished');
  return runId;
}

/** Trains `count` iris runs one after the other and registers each as the next version of iris-classifier. */
export async function registerIrisVersions(app: ServedApp, count: number): Promise<string[]> {
  // One after the other: the machine has two cores and each run is a child process.
  const runIds: string[] = [];
  for (let i = 1; i <= count; i++) {
    const runId = await trainIris(app, `iris-run-${i}`, i);
    await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
    runIds.push(runId);
  }
  return runIds;
}

/** Starts a deployment of iris-classifier from the app and waits until it answers; its URL. */
export async function runningDeployment(app: ServedApp): Promise<string> {
  await appApi(app, 'deployments.start', { model: 'iris-classifier' });
  let url = '';
  await expect
    .poll(async () => {
      const { deployments } = await appApi<{ deployments: Array<{ state: string; url: string | null }> }>(app, 'deployments.list', {});
      url = deployments.find((d) => d.state === 'running')?.url ?? '';
      return url;
    }, { timeout: 30_000, intervals: SERVER_POLL })
    .not.toBe('');
  return url;
}

/**
 * POSTs `instances` to the deployment's TF Serving route and returns the answer; a status other
 * than 200 fails naming what the server said, so a failure in CI says why.
 */
export async function predictOk<T>(url: string, instances: unknown[]): Promise<T> {
  const response = await fetch(`${url}/v1/models/iris-classifier:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
  const text = await response.text();
  expect(response.status, `POST ${url}/v1/models/iris-classifier:predict answered ${response.status}: ${text}`).toBe(200);
  return JSON.parse(text) as T;
}
