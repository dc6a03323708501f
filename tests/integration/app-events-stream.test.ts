/**
 * The app's server-sent event stream under a reader that stops reading: the server must not buffer
 * every event for it. It holds the latest state of each entity instead and sends that once the
 * reader drains, so nothing a screen shows is lost.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, logBatch, metric } from './mlflow-fixtures.js';
import { cleanupTempDirs, startServer, stopAllServers, type ServerProcess } from './server-process.js';

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

const RUNS = 6;
const ROUNDS = 12;
const KEYS = 1000;

function openStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(`${url}/app-api/events`, { headers: { accept: 'text/event-stream' } }, resolve)
      .on('error', reject)
      .end();
  });
}

describe('app event stream', () => {
  it('does not buffer without bound for a reader that stops reading, and delivers the latest state once it reads again', async () => {
    const experimentId = await createExperiment(server);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) runIds.push((await createRun(server, experimentId)).info.run_id);
    // Keys of 250 characters make each metrics.logged event ~250 kB: RUNS × ROUNDS of them is ~18 MB.
    const keys = Array.from({ length: KEYS }, (_, i) => `layer_${String(i).padStart(4, '0')}/`.padEnd(250, 'x'));

    const stream = await openStream(server.url);
    stream.pause();
    let generated = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(runIds.map((runId) => logBatch(server, runId, { metrics: keys.map((key) => metric(key, round, round)) })));
      generated += RUNS * JSON.stringify({ runId: runIds[0], experimentId, keys }).length;
      // Past the server's 100 ms coalescing window, so every round is an event of its own.
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    const marker = runIds[0]!;
    await server.post('runs/update', { run_id: marker, status: 'FINISHED', end_time: Date.now() });

    // Read again: everything the server kept arrives, ending with the run that finished.
    let received = 0;
    let text = '';
    stream.setEncoding('utf8');
    const sawFinish = new Promise<void>((resolve) => {
      stream.on('data', (chunk: string) => {
        received += chunk.length;
        text += chunk;
        if (text.includes(`event: run.changed\ndata: {"runId":"${marker}"`, text.length - chunk.length - 100)) resolve();
      });
    });
    stream.resume();
    await sawFinish;
    stream.destroy();

    console.log(`app event stream: ${generated} bytes of events generated, ${received} received by the slow reader`);
    expect(generated).toBeGreaterThan(18_000_000);
    // Kernel socket buffers hold a few MB; the rest must have been coalesced, not queued.
    expect(received).toBeLessThan(generated / 2);
    // Every run's latest metric event arrived, naming its keys.
    for (const runId of runIds.slice(1)) expect(text).toContain(`"runId":"${runId}","experimentId":"${experimentId}","keys":["${keys[0]}"`);
    expect((await server.get('experiments/get', { experiment_id: experimentId })).status).toBe(200);
  }, 120_000);
});
