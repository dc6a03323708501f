/**
 * Deployments keep their port across restarts of the real `mldesk serve` process: started without
 * a port, one gets the first free port from 8500, comes back on it after a restart, and says so
 * (failed, naming the port) when another program took it meanwhile, instead of moving.
 * Needs `npm run build`.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

interface Deployment {
  id: string;
  state: string;
  url: string | null;
  port: number | null;
  error: string | null;
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await makeTempDir('ports');
  const csv = join(REPO_ROOT, 'resources', 'datasets', 'iris.csv');
  const trained = await runCli(['train', '--data', csv, '--target', 'species', '--epochs', '3', '--seed', '1', '--data-dir', dataDir, '--json'], { timeoutMs: 90_000 });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('iris');
    registry.createVersion('iris', { source: `runs:/${runId}/model`, runId });
    registry.approvals.review('iris', '1', { reviewer: 'ana', decision: 'approved' });
    registry.setAlias('iris', 'champion', '1');
  } finally {
    store.close();
  }
}, 120_000);

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

async function call<T>(server: ServerProcess, operation: string, input: unknown): Promise<T> {
  const response = await server.post<{ ok: boolean; value: T }>(`/app-api/${operation}`, input);
  expect(response.status, response.text).toBe(200);
  return response.body.value;
}

/** The only deployment, once it is no longer starting. */
async function settled(server: ServerProcess): Promise<Deployment> {
  let deployment: Deployment | undefined;
  await expect
    .poll(
      async () => {
        [deployment] = (await call<{ deployments: Deployment[] }>(server, 'deployments.list', {})).deployments;
        return deployment?.state;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/running|failed/);
  return deployment!;
}

it('keeps the port a deployment was given across restarts of the app server, and says so when it is taken', async () => {
  let server = await startServer({ dataDir });
  await call(server, 'deployments.start', { model: 'iris' });
  const first = await settled(server);
  expect(first.state, first.error ?? '').toBe('running');
  expect(first.port!).toBeGreaterThanOrEqual(8500);
  expect(first.port!).toBeLessThan(8600);
  expect(first.url).toBe(`http://127.0.0.1:${first.port}`);
  expect((await server.stop()).code).toBe(0);

  server = await startServer({ dataDir });
  const again = await settled(server);
  expect(again).toMatchObject({ state: 'running', port: first.port, url: first.url });
  expect((await fetch(`${again.url}/ping`)).status).toBe(200);
  expect((await server.stop()).code).toBe(0);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(first.port!, '127.0.0.1', resolve));
  try {
    server = await startServer({ dataDir });
    const taken = await settled(server);
    expect(taken).toMatchObject({ state: 'failed', port: first.port, url: null });
    expect(taken.error).toContain(`Port ${first.port}, which this deployment had before the restart, is in use on 127.0.0.1 by another program. It was not moved`);
    await server.stop();
  } finally {
    blocker.close();
  }
}, 180_000);
