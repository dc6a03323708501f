import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, type WireRun } from './mlflow-fixtures.js';
import { ARTIFACTS_PREFIX, cleanupTempDirs, makeTempDir, startServer, stopAllServers, uniqueName, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;
let run: WireRun;
/** `<exp>/<run>/artifacts`: the run's artifact root as the proxy sees it. */
let runRoot: string;

interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

// Every byte value, then random bytes: catches any text decoding on the way.
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);
const MLMODEL = Buffer.from('flavors:\n  python_function: {}\n');

/** Listing order is not part of the contract: compare by code-point order of path. */
function byPath(files: FileInfo[] | undefined): FileInfo[] {
  return [...(files ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function upload(path: string, content: Uint8Array, contentType = 'application/octet-stream') {
  const res = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${path}`, { method: 'PUT', headers: { 'content-type': contentType }, body: content });
  return { status: res.status, text: await res.text() };
}

async function download(path: string) {
  const res = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${path}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function listRun(runId: string, path?: string) {
  return server.get<{ root_uri: string; files?: FileInfo[]; error_code?: string; message?: string }>('artifacts/list', {
    run_id: runId,
    ...(path !== undefined ? { path } : {}),
  });
}

/** A request whose path is sent byte for byte: fetch would normalise `..` segments away. */
function rawRequest(method: string, path: string, body?: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function databaseBytes(dataDir: string): Promise<number> {
  return Promise.all(['mldesk.db', 'mldesk.db-wal'].map((name) => stat(join(dataDir, name)).then((s) => s.size, () => 0))).then((sizes) =>
    sizes.reduce((a, b) => a + b, 0),
  );
}

beforeAll(async () => {
  server = await startServer();
  experimentId = await createExperiment(server);
  run = await createRun(server, experimentId);
  runRoot = `${experimentId}/${run.info.run_id}/artifacts`;
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

describe('artifact proxy', () => {
  it('gives runs an mlflow-artifacts: URI the proxy serves', () => {
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${runRoot}`);
  });

  it('uploads binary files, nested directories and an empty file, and lists them', async () => {
    expect((await upload(`${runRoot}/model/data/weights.bin`, BINARY)).status).toBe(200);
    expect((await upload(`${runRoot}/model/MLmodel`, MLMODEL, 'text/plain')).status).toBe(200);
    expect((await upload(`${runRoot}/empty.txt`, new Uint8Array(0))).status).toBe(200);
    expect((await upload(`${runRoot}/metrics.json`, Buffer.from('{"a": 1}'), 'application/json')).status).toBe(200);

    const root = await listRun(run.info.run_id);
    expect(root.status, root.text).toBe(200);
    expect(root.body.root_uri).toBe(run.info.artifact_uri);
    expect(byPath(root.body.files)).toEqual([
      { path: 'empty.txt', is_dir: false, file_size: 0 },
      { path: 'metrics.json', is_dir: false, file_size: 8 },
      { path: 'model', is_dir: true },
    ]);

    const model = await listRun(run.info.run_id, 'model');
    expect(model.status).toBe(200);
    expect(byPath(model.body.files)).toEqual([
      { path: 'model/MLmodel', is_dir: false, file_size: MLMODEL.length },
      { path: 'model/data', is_dir: true },
    ]);
    const data = await listRun(run.info.run_id, 'model/data');
    expect(data.body.files).toEqual([{ path: 'model/data/weights.bin', is_dir: false, file_size: BINARY.length }]);
  });

  it('downloads byte-identical content', async () => {
    const got = await download(`${runRoot}/model/data/weights.bin`);
    expect(got.status).toBe(200);
    expect(got.bytes.length).toBe(BINARY.length);
    expect(got.bytes.equals(BINARY)).toBe(true);
    expect(Number(got.headers.get('content-length'))).toBe(BINARY.length);

    const empty = await download(`${runRoot}/empty.txt`);
    expect(empty.status).toBe(200);
    expect(empty.bytes.length).toBe(0);
  });

  it('overwrites a file uploaded twice', async () => {
    expect((await upload(`${runRoot}/notes.txt`, Buffer.from('first version'))).status).toBe(200);
    expect((await upload(`${runRoot}/notes.txt`, Buffer.from('second'))).status).toBe(200);
    expect((await download(`${runRoot}/notes.txt`)).bytes.toString()).toBe('second');
  });

  it('keeps file names with spaces and percent signs', async () => {
    expect((await upload(`${runRoot}/odd/${encodeURIComponent('with space.txt')}`, Buffer.from('space'))).status).toBe(200);
    const percent = await upload(`${runRoot}/odd/${encodeURIComponent('100%.txt')}`, Buffer.from('percent'));
    expect(percent.status, percent.text).toBe(200);
    const listed = await listRun(run.info.run_id, 'odd');
    expect(byPath(listed.body.files).map((f) => f.path)).toEqual(['odd/100%.txt', 'odd/with space.txt']);
    const got = await download(`${runRoot}/odd/${encodeURIComponent('100%.txt')}`);
    expect(got.status).toBe(200);
    expect(got.bytes.toString()).toBe('percent');
  });

  it('deletes an artifact through the proxy', async () => {
    expect((await upload(`${runRoot}/scratch/tmp.txt`, Buffer.from('temporary'))).status).toBe(200);
    const del = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${runRoot}/scratch/tmp.txt`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await download(`${runRoot}/scratch/tmp.txt`)).status).toBe(404);
    expect((await listRun(run.info.run_id, 'scratch')).body.files ?? []).toEqual([]);
    expect((await download(`${runRoot}/model/MLmodel`)).status).toBe(200);
  });

  it('answers 404 for a missing artifact and for listing an unknown run', async () => {
    expect((await download(`${runRoot}/does-not-exist.bin`)).status).toBe(404);
    expectMlflowError(await listRun('0123456789abcdef0123456789abcdef'), 404, 'RESOURCE_DOES_NOT_EXIST', '0123456789abcdef0123456789abcdef');
  });

  it('lists through the proxy route GET /api/2.0/mlflow-artifacts/artifacts?path=...', async () => {
    const res = await server.get<{ files?: FileInfo[] }>(`${ARTIFACTS_PREFIX}`, { path: `${runRoot}/model` });
    expect(res.status, res.text).toBe(200);
    expect(byPath(res.body.files)).toEqual([
      { path: 'MLmodel', is_dir: false, file_size: MLMODEL.length },
      { path: 'data', is_dir: true },
    ]);
    const top = await server.get<{ files?: FileInfo[] }>(`${ARTIFACTS_PREFIX}`, { path: runRoot });
    expect(top.status).toBe(200);
    expect(top.body.files).toEqual(
      expect.arrayContaining([
        { path: 'empty.txt', is_dir: false, file_size: 0 },
        { path: 'model', is_dir: true },
        { path: 'odd', is_dir: true },
      ]),
    );
  });

  it('works under /ajax-api/2.0/mlflow-artifacts too', async () => {
    const put = await fetch(`${server.url}/ajax-api/2.0/mlflow-artifacts/artifacts/${runRoot}/ajax/hello.txt`, { method: 'PUT', body: 'hi' });
    expect(put.status).toBe(200);
    const get = await fetch(`${server.url}/ajax-api/2.0/mlflow-artifacts/artifacts/${runRoot}/ajax/hello.txt`);
    expect(await get.text()).toBe('hi');
    const listed = await server.client('/ajax-api/2.0/mlflow').get<{ files?: FileInfo[] }>('artifacts/list', { run_id: run.info.run_id, path: 'ajax' });
    expect(listed.status).toBe(200);
    expect(listed.body.files).toEqual([{ path: 'ajax/hello.txt', is_dir: false, file_size: 2 }]);
  });

  it('stores files under <data-dir>/artifacts, not in the database', async () => {
    const dataDir = server.dataDir!;
    const onDisk = await readFile(join(dataDir, 'artifacts', runRoot, 'model', 'data', 'weights.bin'));
    expect(onDisk.equals(BINARY)).toBe(true);

    const before = await databaseBytes(dataDir);
    const big = randomBytes(2 * 1024 * 1024);
    expect((await upload(`${runRoot}/big.bin`, big)).status).toBe(200);
    expect((await stat(join(dataDir, 'artifacts', runRoot, 'big.bin'))).size).toBe(big.length);
    const after = await databaseBytes(dataDir);
    expect(after - before).toBeLessThan(256 * 1024);
  });

  describe('runs whose experiment has a local file: artifact location', () => {
    it('lists the run directory, percent-decoding the URI', async () => {
      const location = join(await makeTempDir('local-store'), 'with space');
      const res = await server.post<{ experiment_id: string }>('experiments/create', {
        name: uniqueName('local'),
        artifact_location: pathToFileURL(location).href,
      });
      expect(res.status, res.text).toBe(200);
      const localRun = await createRun(server, res.body.experiment_id);
      expect(localRun.info.artifact_uri).toBe(`${pathToFileURL(location).href}/${localRun.info.run_id}/artifacts`);
      const dir = join(location, localRun.info.run_id, 'artifacts');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'hello.txt'), 'hello');
      const listed = await listRun(localRun.info.run_id);
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body.files).toEqual([{ path: 'hello.txt', is_dir: false, file_size: 5 }]);
    });

    it.each(['?', '#'])('refuses to list outside the run directory through a file: URI ending in %s', async (trick) => {
      const outside = await makeTempDir('outside');
      await writeFile(join(outside, 'secret.txt'), 'do not list me');
      const res = await server.post<{ experiment_id: string }>('experiments/create', {
        name: uniqueName('trick'),
        artifact_location: `${pathToFileURL(outside).href}${trick}`,
      });
      expect(res.status, res.text).toBe(200);
      const trickRun = await createRun(server, res.body.experiment_id);
      const listed = await listRun(trickRun.info.run_id);
      expect(listed.text).not.toContain('secret.txt');
      expectMlflowError(listed, 400, 'INVALID_PARAMETER_VALUE', 'artifact');
    });
  });

  describe('path traversal', () => {
    it('refuses `..` in upload paths (encoded slashes and raw segments) and writes nothing outside', async () => {
      const dataDir = server.dataDir!;
      const encoded = await upload(`${runRoot}/x${encodeURIComponent('/../../../../../escaped.txt')}`, Buffer.from('evil'));
      expectMlflowError({ ...encoded, body: JSON.parse(encoded.text), headers: new Headers() }, 400, 'INVALID_PARAMETER_VALUE', '..');

      const raw = await rawRequest('PUT', `${ARTIFACTS_PREFIX}/${experimentId}/../../escaped-raw.txt`, Buffer.from('evil'));
      expect(raw.status).toBe(400);
      expect(JSON.parse(raw.text).error_code).toBe('INVALID_PARAMETER_VALUE');

      expect(existsSync(join(dataDir, 'escaped.txt'))).toBe(false);
      expect(existsSync(join(dataDir, 'escaped-raw.txt'))).toBe(false);
      expect(existsSync(join(dataDir, 'artifacts', 'escaped.txt'))).toBe(false);
    });

    it('refuses `..` in deletes, leaving the files in place', async () => {
      const raw = await rawRequest('DELETE', `${ARTIFACTS_PREFIX}/${runRoot}/../../..`);
      expect(raw.status).toBe(400);
      const encoded = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${runRoot}${encodeURIComponent('/../../..')}`, { method: 'DELETE' });
      expect(encoded.status).toBe(400);
      expect(existsSync(join(server.dataDir!, 'artifacts', runRoot, 'model', 'MLmodel'))).toBe(true);
      expect(existsSync(join(server.dataDir!, 'mldesk.db'))).toBe(true);
    });

    it('refuses `..` in downloads and listings with 400', async () => {
      const raw = await rawRequest('GET', `${ARTIFACTS_PREFIX}/${runRoot}/../../../../mldesk.db`);
      expect(raw.status).toBe(400);
      const encoded = await download(`${runRoot}${encodeURIComponent('/../../../../mldesk.db')}`);
      expect(encoded.status).toBe(400);

      expectMlflowError(await server.get(`${ARTIFACTS_PREFIX}`, { path: '../' }), 400, 'INVALID_PARAMETER_VALUE', 'path');
      expectMlflowError(await server.get(`${ARTIFACTS_PREFIX}`, { path: `${runRoot}/../../..` }), 400, 'INVALID_PARAMETER_VALUE', 'path');
      expectMlflowError(await listRun(run.info.run_id, '../../..'), 400, 'INVALID_PARAMETER_VALUE', 'path');
      expectMlflowError(await listRun(run.info.run_id, 'model/../../other'), 400, 'INVALID_PARAMETER_VALUE', 'path');
    });
  });
});
