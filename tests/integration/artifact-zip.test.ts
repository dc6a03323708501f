import { randomBytes } from 'node:crypto';
import { symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { createExperiment, createRun, type WireRun } from './mlflow-fixtures.js';
import { ARTIFACTS_PREFIX, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

/** Downloading an artifact folder (MLflow's proxy and the UI's /app-files) gives a zip of its files. */

let server: ServerProcess;
let run: WireRun;
let runRoot: string;

const FILES: Record<string, Buffer> = {
  'model/MLmodel': Buffer.from('flavors:\n  python_function: {}\n'),
  // Every byte value plus random bytes: a text decoding anywhere on the way would show.
  'model/data/weights.bin': Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(400_000)]),
  'model/data/empty.txt': Buffer.alloc(0),
  'model/notes é 100%.md': Buffer.from('# ünïcode name\n'),
  'metrics.json': Buffer.from('{"accuracy": 0.9}'),
};

async function upload(path: string, content: Buffer): Promise<void> {
  const res = await fetch(`${server.url}${ARTIFACTS_PREFIX}/${runRoot}/${path.split('/').map(encodeURIComponent).join('/')}`, { method: 'PUT', body: content });
  expect(res.status).toBe(200);
}

async function get(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The status of a GET whose path is sent byte for byte: fetch would resolve `%2E%2E` segments first. */
function rawStatus(path: string): Promise<number> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every entry of a zip, by name, with its bytes (folders end in `/` and hold nothing). */
async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(bytes, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))));
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return entries;
}

/** The files under `folder/` of FILES, renamed relative to it. */
function filesUnder(folder: string): Map<string, Buffer> {
  const prefix = folder === '' ? '' : `${folder}/`;
  return new Map(Object.entries(FILES).filter(([path]) => path.startsWith(prefix)).map(([path, bytes]) => [path.slice(prefix.length), bytes]));
}

beforeAll(async () => {
  server = await startServer();
  const experimentId = await createExperiment(server);
  run = await createRun(server, experimentId);
  runRoot = `${experimentId}/${run.info.run_id}/artifacts`;
  for (const [path, bytes] of Object.entries(FILES)) await upload(path, bytes);
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

describe('artifact folder downloads (MLflow artifact proxy)', () => {
  it('streams a folder as a zip of its files under their relative paths, byte for byte', async () => {
    const got = await get(`${ARTIFACTS_PREFIX}/${runRoot}/model`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/zip');
    expect(got.headers.get('content-disposition')).toContain('filename="model.zip"');
    // Streamed: the size is not known before the last file is read.
    expect(got.headers.get('content-length')).toBeNull();
    expect(await unzip(got.bytes)).toEqual(filesUnder('model'));
  });

  it('zips a nested folder, and the run artifact folder itself whole', async () => {
    expect(await unzip((await get(`${ARTIFACTS_PREFIX}/${runRoot}/model/data`)).bytes)).toEqual(filesUnder('model/data'));
    const whole = await get(`${ARTIFACTS_PREFIX}/${runRoot}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain(`filename="${run.info.run_id}-artifacts.zip"`);
    expect(await unzip(whole.bytes)).toEqual(filesUnder(''));
  });

  it('refuses folders that are not inside one run: the artifact root, an experiment, a run folder, and `..`', async () => {
    const [experimentId, runId] = runRoot.split('/') as [string, string];
    for (const path of [experimentId, `${experimentId}/${runId}`]) {
      const res = await get(`${ARTIFACTS_PREFIX}/${path}`);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.bytes.toString()).error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(await rawStatus(`${ARTIFACTS_PREFIX}/${runRoot}/%2E%2E/%2E%2E`)).toBe(400);
  });

  it('leaves out symbolic links, so a link cannot carry files from outside the run into the zip', async () => {
    const outside = await makeTempDir('outside');
    await writeFile(join(outside, 'secret.txt'), 'not an artifact');
    const linkDir = join(server.dataDir!, 'artifacts', runRoot, 'model');
    await symlink(outside, join(linkDir, 'linked-folder'));
    await symlink(join(outside, 'secret.txt'), join(linkDir, 'linked-file.txt'));
    const entries = await unzip((await get(`${ARTIFACTS_PREFIX}/${runRoot}/model`)).bytes);
    expect([...entries.keys()].filter((name) => name.startsWith('linked'))).toEqual([]);
    expect(entries).toEqual(filesUnder('model'));
  });
});

describe('artifact folder downloads (the UI, /app-files)', () => {
  it('zips a folder of a run and, with an empty path, all its artifacts', async () => {
    const runId = run.info.run_id;
    const folder = await get(`/app-files/artifacts/${runId}/model/data`);
    expect(folder.status).toBe(200);
    expect(folder.headers.get('content-disposition')).toContain('filename="data.zip"');
    expect(await unzip(folder.bytes)).toEqual(filesUnder('model/data'));
    const whole = await get(`/app-files/artifacts/${runId}/`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain(`filename="${run.info.run_name}-artifacts.zip"`);
    expect(await unzip(whole.bytes)).toEqual(filesUnder(''));
  });

  it('still serves files as they are, and refuses paths out of the run', async () => {
    const file = await get(`/app-files/artifacts/${run.info.run_id}/model/data/weights.bin`);
    expect(file.bytes.equals(FILES['model/data/weights.bin']!)).toBe(true);
    expect(await rawStatus(`/app-files/artifacts/${run.info.run_id}/model/%2E%2E/%2E%2E`)).toBe(400);
    expect(await rawStatus(`/app-files/artifacts/${run.info.run_id}/..%2F..%2F..`)).toBe(400);
  });
});
