/**
 * `mldesk bundle open` as a real child process over real HTTP: the bundle's runs, histories and
 * artifacts read through the MLflow REST API and the app API; every write refused with 403
 * PERMISSION_DENIED; the reviewer's own data dir left byte for byte as it was; the private temp
 * copy removed on exit.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../shared/app-api/operations.js';
import { READ_ONLY_OPERATIONS } from '../../electron/core/bundles/read-only.js';
import { TrustedKeys } from '../../electron/core/bundles/trusted-keys.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { buildBundleFixture, type BuiltBundle } from '../fixtures/bundles.js';
import { startBundleOpen, type BundleProcess } from './bundle-process.js';
import { rawRequest } from './raw-http.js';
import { cleanupTempDirs, makeTempDir, runCli, stopAllServers } from './server-process.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every file under `dir` with its size, mtime and hash: what "untouched" means for a data dir. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else {
        const info = statSync(join(dir, rel));
        out[rel] = `${info.size} ${info.mtimeMs} ${sha(readFileSync(join(dir, rel)))}`;
      }
    }
  };
  walk('');
  return out;
}

describe('mldesk bundle open', { timeout: 120_000 }, () => {
  let bundle: BuiltBundle;
  let home: string;
  let tmp: string;
  let server: BundleProcess;
  let homeBefore: Record<string, string>;

  beforeAll(async () => {
    bundle = await buildBundleFixture(await makeTempDir('bundle'), { runs: 3, metrics: 2, steps: 1500 });
    // The reviewer's own store, trusting the author's key under a name of their own.
    home = await makeTempDir('home');
    const store = TrackingStore.open(home);
    new TrustedKeys(store.db).add('Ada (ML team)', bundle.signer.publicKey);
    store.createRun({ experimentId: '0', runName: 'reviewer-own-run', tags: [] });
    store.close();
    homeBefore = snapshot(home);
    tmp = await makeTempDir('tmp');
    server = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: tmp });
  });

  afterAll(async () => {
    await server?.stop();
    await stopAllServers();
    await cleanupTempDirs();
  });

  it('answers MLflow reads: search, get, full metric history, artifact bytes', async () => {
    const search = await server.post<{ runs: Array<{ info: { run_id: string; run_name: string }; data: { params: Array<{ key: string; value: string }> } }> }>('runs/search', {
      experiment_ids: [bundle.experimentId],
    });
    expect(search.status, search.text).toBe(200);
    expect(search.body.runs.map((r) => r.info.run_name).sort()).toEqual(bundle.runs.map((r) => r.name).sort());
    const first = bundle.runs[0]!;
    const got = await server.get<{ run: { data: { params: Array<{ key: string; value: string }> } } }>('runs/get', { run_id: first.runId });
    expect(Object.fromEntries(got.body.run.data.params.map((p) => [p.key, p.value]))).toEqual(first.params);
    const history = await server.get<{ metrics: Array<{ step: number }> }>('metrics/get-history', { run_id: first.runId, metric_key: 'loss' });
    expect(history.body.metrics).toHaveLength(1500);
    const download = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${bundle.experimentId}/${first.runId}/artifacts/model/weights.bin`);
    expect(download.status).toBe(200);
    expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(sha(first.artifacts['model/weights.bin']!));
    const listed = await server.get<{ files: Array<{ path: string }> }>('artifacts/list', { run_id: first.runId });
    expect(listed.body.files.map((f) => f.path)).toEqual(['model', 'notes.txt']);
  });

  it('refuses every MLflow write with 403 PERMISSION_DENIED saying the bundle is read-only', async () => {
    const runId = bundle.runs[0]!.runId;
    const artifact = `/api/2.0/mlflow-artifacts/artifacts/${bundle.experimentId}/${runId}/artifacts/notes.txt`;
    const writes: Array<[string, string, unknown]> = [
      ['POST', 'experiments/create', { name: 'new' }],
      ['POST', 'experiments/delete', { experiment_id: bundle.experimentId }],
      ['POST', 'runs/create', { experiment_id: bundle.experimentId }],
      ['POST', 'runs/update', { run_id: runId, status: 'FAILED' }],
      ['POST', 'runs/delete', { run_id: runId }],
      ['POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 1, timestamp: 1, step: 99 }],
      ['POST', 'runs/log-batch', { run_id: runId, metrics: [], params: [{ key: 'x', value: '1' }] }],
      ['POST', 'runs/set-tag', { run_id: runId, key: 'k', value: 'v' }],
      ['POST', 'runs/log-inputs', { run_id: runId, datasets: [] }],
      ['POST', 'registered-models/create', { name: 'm' }],
      ['PATCH', 'registered-models/update', { name: 'm', description: 'd' }],
      ['DELETE', 'model-versions/delete', { name: 'm', version: '1' }],
      ['POST', '/ajax-api/2.0/mlflow/runs/set-tag', { run_id: runId, key: 'k', value: 'v' }],
      ['PUT', artifact, 'changed'],
      ['DELETE', artifact, undefined],
      ['POST', '/api/2.0/mldesk/alerts/rules', {}],
      ['POST', '/api/2.0/mldesk/predictions/log-batch', {}],
      ['POST', '/api/2.0/mlflow/a-write-added-later', {}],
    ];
    for (const [method, path, body] of writes) {
      const res = await server.request<{ error_code: string; message: string }>(method, path, { body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
      expect(res.body.error_code).toBe('PERMISSION_DENIED');
      expect(res.body.message).toMatch(/the bundle is read-only/);
    }
    // Nothing changed: the artifact and the run are as the author exported them.
    const notes = await fetch(`${server.url}${artifact}`);
    expect(Buffer.from(await notes.arrayBuffer()).equals(bundle.runs[0]!.artifacts['notes.txt']!)).toBe(true);
    const run = await server.get<{ run: { info: { status: string }; data: { tags?: Array<{ key: string }> } } }>('runs/get', { run_id: runId });
    expect(run.body.run.info.status).toBe('FINISHED');
    expect(run.body.run.data.tags?.some((t) => t.key === 'k')).toBe(false);
  });

  it('refuses every app operation that is not listed as a read, whatever its input', async () => {
    const writes = OPERATION_NAMES.filter((name) => !READ_ONLY_OPERATIONS.has(name));
    expect(writes).toEqual(expect.arrayContaining(['experiments.create', 'runs.setDescription', 'training.start', 'models.register', 'models.setAlias', 'datasets.upload']));
    for (const name of writes) {
      const res = await server.post<{ ok: boolean; error: { code: string; message: string } }>(`/app-api/${name}`, {});
      expect(res.status, `${name}: ${res.text}`).toBe(403);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
      expect(res.body.error.message).toMatch(/the bundle is read-only/);
    }
    const page = await server.post<{ ok: boolean; value: { total: number } }>('/app-api/runs.page', {
      experimentIds: [bundle.experimentId],
      offset: 0,
      limit: 50,
      columns: { params: [], metrics: ['loss'], tags: [] },
    });
    expect(page.status, page.text).toBe(200);
  });

  it('bundle.info names the signer, the trust from the reviewer’s own keys and the integrity', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await server.post<{ ok: true; value: { bundle: Record<string, unknown> } }>('/app-api/bundle.info', {});
    expect(res.status, res.text).toBe(200);
    expect(res.body.value.bundle).toMatchObject({
      fileName: bundle.file.split('/').pop(),
      signer: { fingerprint: bundle.signer.fingerprint, name: 'ada@lab' },
      trusted: true,
      trustedName: 'Ada (ML team)',
      integrity: 'verified',
      problem: null,
      meta: { counts: { runs: 3 } },
      artifacts: { check: 'in-background', total: 6 },
    });
  });

  it('leaves the background artifact check until the first page has had the CPU', async () => {
    const other = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: tmp });
    const listening = performance.now();
    try {
      const progress = async () => (await other.post<{ value: { bundle: { artifacts: { checked: number; total: number } } } }>('/app-api/bundle.info', {})).body.value.bundle.artifacts;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const early = await progress();
      // The check waits 1.5 s after listening: only an answer read well before then says anything.
      if (performance.now() - listening < 1000) expect(early.checked, 'artifacts checked 0.3 s after listening').toBe(0);
      let late = early;
      for (const deadline = Date.now() + 30_000; late.checked < late.total && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        late = await progress();
      }
      expect(late).toMatchObject({ checked: 6, total: 6 });
    } finally {
      await other.stop();
    }
  });

  it('listens before the bundle is open: the page answers at once, the runs once the bundle is checked', async () => {
    const other = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: tmp });
    try {
      const page = await fetch(other.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // Answered once the store is copied and checked, whenever that is: held until then, never refused.
      const search = await other.post<{ runs: unknown[] }>('runs/search', { experiment_ids: [bundle.experimentId] });
      expect(search.status, search.text).toBe(200);
      expect(search.body.runs).toHaveLength(3);
      const out = other.stdout();
      expect(out.indexOf('MLDesk listening on')).toBeGreaterThanOrEqual(0);
      expect(out.indexOf('MLDesk listening on'), 'the URL comes first, the checked bundle after').toBeLessThan(out.indexOf('Bundle: '));
    } finally {
      await other.stop();
    }
  });

  it('a stop while the bundle is still opening waits for it and removes its temp copy', async () => {
    const own = await makeTempDir('tmp-stop');
    const other = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: own });
    const exit = await other.stop();
    expect(exit.code, other.stderr()).toBe(0);
    expect(readdirSync(own)).toEqual([]);
  });

  it('a port already in use exits 2 saying so, with its early store copy removed', async () => {
    const own = await makeTempDir('tmp-port');
    const port = Number(new URL(server.url).port);
    const result = await runCli(['bundle', 'open', bundle.file, '--port', String(port), '--data-dir', home], { env: { TMPDIR: own }, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/EADDRINUSE/);
    expect(readdirSync(own)).toEqual([]);
  });

  it('the temp copy of a killed bundle open is removed by the next one', async () => {
    const own = await makeTempDir('tmp-killed');
    const killed = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: own });
    await killed.post('runs/search', { experiment_ids: [bundle.experimentId] });
    await killed.stop('SIGKILL');
    const [left] = readdirSync(own);
    expect(left, 'SIGKILL leaves the copy behind').toMatch(/^mldesk-bundle-/);
    const next = await startBundleOpen(bundle.file, ['--data-dir', home], { TMPDIR: own });
    try {
      for (const deadline = Date.now() + 30_000; readdirSync(own).includes(left!) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(readdirSync(own), 'only the running one’s copy is left').toHaveLength(1);
      expect(readdirSync(own)).not.toContain(left);
    } finally {
      await next.stop();
    }
  });

  it('keeps foreign Host and Origin out, as mldesk serve does', async () => {
    const foreignHost = await rawRequest(server.url, 'GET', '/api/2.0/mlflow/experiments/search', { headers: { host: 'evil.test:80' } });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.json?.message).toMatch(/^Host 'evil\.test:80' refused/);
    const foreignOrigin = await fetch(`${server.url}/app-api/bundle.info`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(foreignOrigin.status).toBe(403);
  });

  it('leaves the reviewer’s data dir untouched and removes its temp copy on exit', async () => {
    expect(readdirSync(tmp).some((name) => name.startsWith('mldesk-bundle-'))).toBe(true);
    const exit = await server.stop();
    expect(exit.code).toBe(0);
    expect(readdirSync(tmp).filter((name) => name.startsWith('mldesk-bundle-'))).toEqual([]);
    expect(snapshot(home)).toEqual(homeBefore);
  });
});
