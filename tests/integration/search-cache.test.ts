/**
 * runs/search answers from per-run JSON documents the server keeps between requests. Two
 * `mldesk serve` processes on one data dir (the CLI training beside the open app): what one
 * writes, the other's next search shows, run for run the same as its runs/get. Large answers
 * are written into reused buffers: one still being sent to a slow reader must arrive whole while
 * other answers are written.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, getRun, logBatch, metric, type WireRun } from './mlflow-fixtures.js';
import { BASE_TIME, cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

type SearchAnswer = { runs?: WireRun[]; next_page_token?: string };

async function search(server: ServerProcess, body: Record<string, unknown>): Promise<{ answer: SearchAnswer; text: string }> {
  const res = await server.post<SearchAnswer>('runs/search', body);
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { answer: res.body, text: res.text };
}

function expectOk(res: { status: number; text: string }): void {
  expect(res.status, res.text).toBe(200);
}

describe('runs/search after writes', () => {
  it("shows every kind of write another process makes, each run equal to the searching server's runs/get", async () => {
    const dataDir = await makeTempDir('search-cache');
    const [reader, writer] = await Promise.all([startServer({ dataDir }), startServer({ dataDir })]);
    const experimentId = await createExperiment(reader);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const run = await createRun(reader, experimentId, { run_name: `run-${i}`, start_time: BASE_TIME + i, tags: [{ key: 'team', value: 'a' }] });
      await logBatch(reader, run.info.run_id, { metrics: [metric('acc', i / 10)], params: [{ key: 'lr', value: String(i) }] });
      ids.push(run.info.run_id);
    }
    const query = { experiment_ids: [experimentId], run_view_type: 'ALL', order_by: ['attributes.start_time ASC'] };
    const expectSearchShows = async (check: (runs: WireRun[]) => void) => {
      const runs = (await search(reader, query)).answer.runs ?? [];
      expect(runs.map((run) => run.info.run_id)).toEqual(ids);
      for (const run of runs) expect(run).toEqual(await getRun(reader, run.info.run_id));
      check(runs);
    };
    // Twice: the second answer comes from the documents kept by the first.
    await expectSearchShows(() => {});
    await expectSearchShows(() => {});

    const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!];
    expectOk(await writer.post('runs/log-metric', { run_id: a, key: 'acc', value: 0.5, timestamp: BASE_TIME + 10, step: 3 }));
    await expectSearchShows((runs) => expect(runs[0]!.data.metrics?.find((m) => m.key === 'acc')).toMatchObject({ value: 0.5, step: 3 }));
    await logBatch(writer, b, { metrics: Array.from({ length: 50 }, (_, k) => metric(`layer_${k}`, k, 1)) });
    await expectSearchShows((runs) => expect(runs[1]!.data.metrics).toHaveLength(51));
    expectOk(await writer.post('runs/log-parameter', { run_id: c, key: 'depth', value: '7' }));
    expectOk(await writer.post('runs/set-tag', { run_id: c, key: 'team', value: 'b' }));
    await expectSearchShows((runs) => {
      expect(runs[2]!.data.params).toContainEqual({ key: 'depth', value: '7' });
      expect(runs[2]!.data.tags).toContainEqual({ key: 'team', value: 'b' });
    });
    expectOk(await writer.post('runs/delete-tag', { run_id: c, key: 'team' }));
    expectOk(await writer.post('runs/update', { run_id: a, status: 'FINISHED', end_time: BASE_TIME + 99, run_name: 'renamed' }));
    await expectSearchShows((runs) => {
      expect(runs[2]!.data.tags?.some((tag) => tag.key === 'team')).toBe(false);
      expect(runs[0]!.info).toMatchObject({ status: 'FINISHED', end_time: BASE_TIME + 99, run_name: 'renamed' });
    });
    expectOk(await writer.post('runs/log-inputs', { run_id: b, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: 'file:///iris.csv' } }] }));
    expectOk(await writer.post('runs/delete', { run_id: c }));
    await expectSearchShows((runs) => {
      expect(runs[1]!.inputs?.dataset_inputs).toHaveLength(1);
      expect(runs[2]!.info.lifecycle_stage).toBe('deleted');
    });
    // And the writer's own search, which kept no documents of these runs, agrees byte for byte.
    expect((await search(writer, query)).text).toBe((await search(reader, query)).text);
  });

  it('sends every large answer whole while other answers are written at the same time', async () => {
    const server = await startServer();
    const experimentId = await createExperiment(server);
    // ~900 kB per run: pages of 6 to 9 MB, more than the kernel takes in (~4 MB here) for a reader that is not reading.
    for (let i = 0; i < 10; i++) {
      const run = await createRun(server, experimentId, { run_name: `wide-${i}`, start_time: BASE_TIME + i });
      await logBatch(server, run.info.run_id, {
        metrics: [metric('score', (i * 37) % 101)],
        params: Array.from({ length: 100 }, (_, k) => ({ key: `p${k}`, value: `${k}-${i}-`.padEnd(6000, 'x') })),
        tags: Array.from({ length: 60 }, (_, k) => ({ key: `t${k}`, value: `${k}-${i}-`.padEnd(5000, 'y') })),
      });
    }
    const bodies = Array.from({ length: 8 }, (_, i) => ({
      experiment_ids: [experimentId],
      max_results: [10, 9, 8, 7][i % 4],
      order_by: [i < 4 ? 'metrics.score DESC' : 'attributes.start_time ASC'],
    }));
    const expected: string[] = [];
    for (const body of bodies) expected.push((await search(server, body)).text);
    // Slow readers: each has its answer's first bytes, so the server is part way through sending it.
    const slow = await Promise.all(bodies.slice(0, 4).map((body) => slowSearch(server.url, body)));
    const texts = await Promise.all(bodies.map(async (body) => (await search(server, body)).text));
    texts.forEach((text, i) => expect(text, `request ${i}`).toBe(expected[i]));
    const slowTexts = await Promise.all(slow.map((reader) => reader.finish()));
    slowTexts.forEach((text, i) => expect(text, `slow request ${i}`).toBe(expected[i]));
    expect(Buffer.byteLength(expected[3]!)).toBeGreaterThan(6e6);
  });
});

/**
 * POSTs runs/search on a connection of its own and stops reading once the first bytes of the
 * answer are in: the rest waits in the server until `finish` reads it all.
 */
function slowSearch(url: string, body: unknown): Promise<{ finish(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.once('error', reject);
    socket.write(`POST /api/2.0/mlflow/runs/search HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`);
    socket.write(payload);
    socket.once('data', (first: Buffer) => {
      chunks.push(first);
      socket.pause();
      resolve({
        finish: () =>
          new Promise<string>((done) => {
            socket.on('data', (chunk: Buffer) => chunks.push(chunk));
            socket.once('end', () => {
              const raw = Buffer.concat(chunks);
              const split = raw.indexOf('\r\n\r\n');
              expect(raw.subarray(0, split).toString()).toMatch(/^HTTP\/1\.1 200/);
              done(raw.subarray(split + 4).toString());
            });
            socket.resume();
          }),
      });
    });
  });
}
