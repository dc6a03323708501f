/**
 * What `mldesk serve` and `mldesk bundle open` load before they listen: the prediction server
 * (prom-client, scoring) and the project launcher (MLproject, YAML, snapshots) load with the first
 * deployment or project job, not on every start (each module costs the start, and every
 * integration and e2e test starts a server). Real child processes, traced by a resolve hook.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundleFixture, type BuiltBundle } from '../fixtures/bundles.js';
import { startBundleOpen } from './bundle-process.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, startServer, stopAllServers } from './server-process.js';

const HOOK = pathToFileURL(join(REPO_ROOT, 'tests', 'fixtures', 'import-trace.mjs')).href;

/** Loaded only on demand: none of these may be among a freshly started server's modules. */
const LAZY = ['/electron/core/serving/prediction-server.js', '/node_modules/prom-client/', '/electron/core/automation/project-launch.js'];

/** Handler areas registered lazily (electron/api/lazy-handlers.ts): an opened bundle never loads them unless asked. */
const LAZY_AREAS = ['sweeps', 'pipeline', 'jobs', 'handoff', 'bundle', 'prediction', 'monitoring', 'monitoring-read', 'quality-test', 'alert'].map((area) => `/electron/api/${area}-handlers.js`);

/** The modules each file of the bundled CLI holds (scripts/bundle-cli.js writes it). */
const BUNDLE_DIR = join(REPO_ROOT, 'dist', 'cli-bundle');
const bundled = JSON.parse(readFileSync(join(BUNDLE_DIR, 'modules.json'), 'utf8')) as Record<string, string[]>;

/** The URLs a process resolved; a file of the bundled CLI stands for the modules it holds. */
function traced(file: string): string[] {
  expect(existsSync(file), 'the import trace was written').toBe(true);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .flatMap((url) => {
      const path = url.startsWith('file:') ? fileURLToPath(url) : '';
      const inside = dirname(path) === BUNDLE_DIR ? bundled[basename(path)] : undefined;
      return inside ? [url, ...inside.map((module) => pathToFileURL(join(REPO_ROOT, module)).href)] : [url];
    });
}

describe('modules loaded before listening', { timeout: 120_000 }, () => {
  let dir: string;
  let bundle: BuiltBundle;

  beforeAll(async () => {
    dir = await makeTempDir('startup-imports');
    bundle = await buildBundleFixture(join(dir, 'bundle'), { runs: 1, metrics: 1, steps: 10 });
  });

  afterAll(async () => {
    await stopAllServers();
    await cleanupTempDirs();
  });

  const traceEnv = (name: string) => {
    const file = join(dir, `${name}.trace`);
    return { file, env: { NODE_OPTIONS: `--import=${HOOK}`, MLDESK_IMPORT_TRACE: file } };
  };

  it('mldesk serve loads neither the prediction server nor the project launcher', async () => {
    const { file, env } = traceEnv('serve');
    const server = await startServer({ env });
    const urls = traced(file);
    await server.stop();
    // The hook saw the server's own modules (it traces the right process).
    expect(urls.some((url) => url.endsWith('/electron/server/http-server.js'))).toBe(true);
    expect(urls.filter((url) => LAZY.some((lazy) => url.includes(lazy)))).toEqual([]);
  });

  it('mldesk bundle open loads neither, nor the lazily registered handler areas, which answer as before on first use', async () => {
    const { file, env } = traceEnv('bundle-open');
    const server = await startBundleOpen(bundle.file, ['--data-dir', join(dir, 'home')], env);
    try {
      const urls = traced(file);
      expect(urls.some((url) => url.endsWith('/electron/server/bundle-server.js'))).toBe(true);
      expect(urls.filter((url) => [...LAZY, ...LAZY_AREAS].some((lazy) => url.includes(lazy)))).toEqual([]);
      const call = async (name: string, input: unknown) => {
        const res = await server.post<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>(`/app-api/${name}`, input);
        return { status: res.status, body: res.body };
      };
      expect(await call('jobs.list', {})).toMatchObject({ status: 200, body: { ok: true, value: { jobs: [] } } });
      expect(await call('sweeps.list', {})).toMatchObject({ status: 200, body: { ok: true, value: { sweeps: [] } } });
      expect(await call('ct.policy.list', {})).toMatchObject({ status: 200, body: { ok: true, value: { policies: [] } } });
      expect(await call('pipelines.get', { id: 'f'.repeat(32) })).toMatchObject({ body: { ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST' } } });
      // Input is still checked against the contract before the module loads.
      const bad = await call('sweeps.get', { id: '../x' });
      expect(bad.body).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMETER_VALUE' } });
      expect(bad.body.error?.message).toMatch(/^Field 'id'/);
      // A write in a lazy area is refused as every write over a bundle is.
      expect((await call('jobs.cancel', { id: 'f'.repeat(32) })).status).toBe(403);
      expect(await call('alerts.list', {})).toMatchObject({ status: 200, body: { ok: true } });
      expect(await call('qualityTests.list', { model: 'nope', version: '1' })).toMatchObject({ body: { ok: false } });
      expect(traced(file).some((url) => url.endsWith('/electron/api/sweeps-handlers.js'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
