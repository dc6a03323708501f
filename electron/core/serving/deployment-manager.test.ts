import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../shared/app-api/models.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { TrackingStore } from '../store/tracking-store.js';
import { loadBackend } from '../training/backend.js';
import { MODEL_DIR } from '../training/model-files.js';
import { writeRunArtifact } from '../training/run-records.js';
import { irisModelFiles } from '../training/test-tables.js';
import { buildServer } from '../../server/http-server.js';
import { createServices } from '../services.js';
import { DEFAULT_PORT, DeploymentManager } from './deployment-manager.js';

let dir: string;
let store: TrackingStore;
let registry: ModelRegistry;
let manager: DeploymentManager;

/** A real iris classifier as training leaves it: model files under the run's artifacts, registered as iris/1 and champion. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-deployments-'));
  store = TrackingStore.open(dir);
  const { tf } = await loadBackend('wasm');
  const runId = store.createRun({ experimentId: store.experiments.create('iris', undefined, []), runName: 'iris', tags: [] }).info.run_id;
  for (const file of await irisModelFiles(tf, 3)) await writeRunArtifact(store, runId, `${MODEL_DIR}/${file.path}`, file.bytes);
  registry = new ModelRegistry(store.db);
  registry.createModel('iris');
  registry.createVersion('iris', { source: `runs:/${runId}/${MODEL_DIR}` });
  registry.approvals.review('iris', '1', { reviewer: 'ana', decision: 'approved' });
  registry.setAlias('iris', 'champion', '1');
  manager = new DeploymentManager(store, registry);
}, 60_000);

afterAll(async () => {
  await manager.stopAll();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function predict(url: string): Promise<{ predictions: Array<{ label: string }>; model_version: string }> {
  const response = await fetch(`${url}/v1/models/iris:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { predictions: Array<{ label: string }>; model_version: string };
}

async function settled(id: string, of = manager): Promise<Deployment> {
  await expect.poll(() => of.list().find((d) => d.id === id)?.state, { timeout: 20_000 }).not.toBe('starting');
  return of.list().find((d) => d.id === id)!;
}

describe('DeploymentManager', () => {
  it('serves the champion on 127.0.0.1, answers predictions, and frees the port when stopped', async () => {
    const changes: string[] = [];
    const off = store.events.subscribe((event) => event.type === 'deployments.changed' && changes.push(event.payload.id));
    const started = manager.start({ model: 'iris', alias: 'champion', port: 0 });
    expect(started).toMatchObject({ model: 'iris', alias: 'champion', state: 'starting', version: '1', url: null });
    const running = await settled(started.id);
    expect(running).toMatchObject({ state: 'running', version: '1', error: null });
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);

    const body = await predict(running.url!);
    expect(body.model_version).toBe('1');
    expect(['setosa', 'versicolor', 'virginica']).toContain(body.predictions[0]!.label);

    expect(() => manager.start({ model: 'iris', alias: 'champion', port: 0 })).toThrow(/already deployed at http:\/\/127\.0\.0\.1/);
    await manager.stop(started.id);
    expect(manager.list()).toEqual([]);
    await expect(fetch(`${running.url}/ping`)).rejects.toThrow();
    await expect.poll(() => changes.length).toBeGreaterThan(0);
    off();
  });

  it('follows its alias: once champion moves, it reports and serves the new version', async () => {
    const registry = new ModelRegistry(store.db);
    const running = await settled(manager.start({ model: 'iris', alias: 'champion', port: 0 }).id);
    const v1 = registry.getVersion('iris', '1');
    registry.createVersion('iris', { source: v1.source });
    registry.approvals.review('iris', '2', { reviewer: 'ana', decision: 'approved' });
    registry.setAlias('iris', 'champion', '2');
    try {
      expect(manager.list()[0]).toMatchObject({ id: running.id, version: '2' });
      expect((await predict(running.url!)).model_version).toBe('2');
    } finally {
      registry.setAlias('iris', 'champion', '1');
      await manager.stop(running.id);
    }
  });

  it('refuses an unknown model or alias up front, naming the field', () => {
    expect(() => manager.start({ model: 'nope', alias: 'champion', port: 0 })).toThrow(/Registered Model with name=nope not found/);
    expect(() => manager.start({ model: 'iris', alias: 'staging', port: 0 })).toThrow("Field 'alias': model iris has no alias 'staging'.");
  });

  it('reports a port in use as a failed deployment with the reason, which a new start replaces', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failed = await settled(manager.start({ model: 'iris', alias: 'champion', port }).id);
      expect(failed).toMatchObject({ state: 'failed', url: null, error: `Port ${port} is already in use on 127.0.0.1: pick another port, or leave it empty for the first free one from 8500.` });
      const retry = manager.start({ model: 'iris', alias: 'champion', port: 0 });
      expect(manager.list().map((d) => d.id)).toEqual([retry.id]);
      expect((await settled(retry.id)).state).toBe('running');
      await manager.stopAll();
      expect(manager.list()).toEqual([]);
      expect(() => manager.start({ model: 'iris', alias: 'champion', port: 0 })).toThrow(/shutting down/);
    } finally {
      blocker.close();
    }
  });

  it('stops the servers started through the app API when the app server closes', async () => {
    const services = createServices({ store });
    const app = await buildServer({ services, version: 'test' });
    const shared = services.deployments;
    const running = await settled(shared.start({ model: 'iris', alias: 'champion', port: 0 }).id, shared);
    expect(running.state).toBe('running');
    await app.close();
    expect(shared.list()).toEqual([]);
    await expect(fetch(`${running.url}/ping`)).rejects.toThrow();
  });

  it('restarts the deployments of the last launch: a shutdown keeps them, a user stop forgets one', async () => {
    const saved = join(store.dataDir, 'deployments.json');
    rmSync(saved, { force: true });
    const first = new DeploymentManager(store, registry);
    await settled(first.start({ model: 'iris', alias: 'champion', port: 0 }).id, first);
    await first.stopAll();

    const second = new DeploymentManager(store, registry);
    const restored = second.restore();
    expect(restored.map((d) => [d.model, d.alias, d.state])).toEqual([['iris', 'champion', 'starting']]);
    const running = await settled(restored[0]!.id, second);
    expect(running.state).toBe('running');
    expect((await predict(running.url!)).model_version).toBe('1');
    await second.stop(running.id);
    await second.stopAll();
    expect(new DeploymentManager(store, registry).restore()).toEqual([]);
  });

  it('a saved deployment that can no longer start is listed as failed with the reason; a malformed file is ignored', async () => {
    const saved = join(store.dataDir, 'deployments.json');
    writeFileSync(saved, JSON.stringify({ deployments: [{ model: 'iris', alias: 'gone', port: 0 }] }));
    const restarted = new DeploymentManager(store, registry);
    const [failed] = restarted.restore();
    expect(failed).toMatchObject({ model: 'iris', alias: 'gone', state: 'failed' });
    expect(failed!.error).toMatch(/^Could not restart: Field 'alias': model iris has no alias 'gone'/);
    // Dismissing it forgets it for the next launch too.
    await restarted.stop(failed!.id);
    expect(new DeploymentManager(store, registry).restore()).toEqual([]);
    writeFileSync(saved, '{"deployments": [{"model": 1}]}');
    expect(new DeploymentManager(store, registry).restore()).toEqual([]);
  });

  it('without a port takes the first free one from 8500, keeps it across a restart, and says so when it is taken', async () => {
    const saved = join(store.dataDir, 'deployments.json');
    rmSync(saved, { force: true });
    const first = new DeploymentManager(store, registry);
    const a = await settled(first.start({ model: 'iris', alias: 'champion' }).id, first);
    expect(a.state).toBe('running');
    expect(a.port!).toBeGreaterThanOrEqual(DEFAULT_PORT);
    expect(a.port!).toBeLessThan(DEFAULT_PORT + 100);
    registry.setAlias('iris', 'blue', '1');
    const b = await settled(first.start({ model: 'iris', alias: 'blue' }).id, first);
    expect(b.port!).toBeGreaterThan(a.port!);
    await first.stopAll();

    // A restart brings each back on the port it was given, even though a lower one is free now.
    const second = new DeploymentManager(store, registry);
    const restored = await Promise.all(second.restore().map((d) => settled(d.id, second)));
    expect(restored.map((d) => [d.alias, d.state, d.port])).toEqual([
      ['champion', 'running', a.port],
      ['blue', 'running', b.port],
    ]);
    expect((await predict(restored[1]!.url!)).model_version).toBe('1');
    await second.stopAll();

    // Its port taken meanwhile: failed, naming the port, not moved to another one.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(b.port!, '127.0.0.1', resolve));
    try {
      const third = new DeploymentManager(store, registry);
      const [champion, blue] = await Promise.all(third.restore().map((d) => settled(d.id, third)));
      expect(champion).toMatchObject({ state: 'running', port: a.port });
      expect(blue).toMatchObject({ state: 'failed', url: null, port: b.port });
      expect(blue!.error).toBe(
        `Port ${b.port}, which this deployment had before the restart, is in use on 127.0.0.1 by another program. It was not moved to another port, so its clients do not silently lose it: free port ${b.port} and start it again on that port, or dismiss it and start it on another one.`,
      );
      await third.stopAll();
      // Still asked for on that port at the next launch.
      expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual({ deployments: [{ model: 'iris', alias: 'champion', port: a.port }, { model: 'iris', alias: 'blue', port: b.port }] });
    } finally {
      blocker.close();
      registry.deleteAlias('iris', 'blue');
      rmSync(saved, { force: true });
    }
  }, 60_000);
});
