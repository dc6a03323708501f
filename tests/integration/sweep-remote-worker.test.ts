/**
 * `mldesk sweep --redis` for workers on other machines (issue 15): the sweep's tracking server binds
 * every address behind a token and tells workers an address they can reach (derived, or
 * --advertise-url); a worker with the token (MLDESK_TOKEN) runs the trials through it, a worker
 * without it is refused with a message naming the token, and the secret shows up in no output.
 * Needs `npm run build`.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { externalAddress } from '../../electron/cli/advertise-url.js';
import { startWorkerProcess, useQueueCleanup } from './bullmq-fixture.js';
import { NODE_TRIAL_MLPROJECT, nodeTrialJs, writeProject } from './project-fixture.js';
import { startRedis } from './redis-fixture.js';
import { makeTempDir, runCli } from './server-process.js';

const SECRET = 'remote-sweep-secret-7f3a9c';
const started = useQueueCleanup();
const workers = started.workers;

interface SweepJson {
  state: string;
  run_id: string;
  trials: Array<{ number: number; run_id: string; state: string; value: number | null; reason: string | null }>;
}

async function sweepFolder(values: number[]): Promise<string> {
  const dir = await writeProject(
    {
      'project/MLproject': NODE_TRIAL_MLPROJECT,
      'project/train.js': nodeTrialJs(3),
      'sweep.yaml': `name: remote\nproject: project\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [${values.join(', ')}]}\n`,
    },
    'sweep-remote-project',
  );
  return join(dir, 'sweep.yaml');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const jobRows = (dataDir: string) => {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT status, executor, worker_id, reason, log_tail FROM jobs WHERE kind = 'trial' ORDER BY created_time`).all() as Array<{ status: string; executor: string; worker_id: string | null; reason: string | null; log_tail: string }>;
  } finally {
    db.close();
  }
};

describe('mldesk sweep --redis with workers elsewhere', () => {
  it('refuses to bind a non-loopback address without a token, with the words `mldesk serve` uses', async () => {
    const spec = await sweepFolder([0.3]);
    const result = await runCli(['sweep', spec, '--host', '0.0.0.0', '--redis', 'redis://127.0.0.1:1', '--data-dir', await makeTempDir('sweep-remote-refused')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Refusing to listen on 0.0.0.0 without a token: anyone who can reach this address could read and write your experiments. Pass --token <secret> (or set MLDESK_TOKEN), or bind to 127.0.0.1.');
    const bad = await runCli(['sweep', spec, '--redis', 'redis://127.0.0.1:1', '--advertise-url', 'http://user:pw@example.com:5000']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--advertise-url.*must not carry a user or password/);
  });

  it('a worker without the token is refused naming the token; one with MLDESK_TOKEN runs the trials through the advertised URL', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    started.redis.push(redis);
    const queue = `remote${Date.now().toString(36)}`;
    const external = externalAddress();
    if (external === null) process.stdout.write('this machine has no external address: the derived advertised URL falls back to 127.0.0.1\n');

    // 1. Only a worker without a token: its trial fails with a reason naming the token, not the secret.
    const tokenless = await startWorkerProcess(redis.url, queue);
    workers.push(tokenless);
    const port = await freePort();
    const explicitUrl = `http://${external ?? '127.0.0.1'}:${port}`;
    const refusedData = await makeTempDir('sweep-remote-data1');
    const refused = await runCli(
      ['sweep', await sweepFolder([0.3]), '--json', '--data-dir', refusedData, '--redis', redis.url, '--queue', queue, '--host', '0.0.0.0', '--port', String(port), '--advertise-url', explicitUrl, '--token', `ops=${SECRET}`],
      { timeoutMs: 40_000 },
    );
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`Tracking server for the trials: ${explicitUrl} `);
    expect(refused.stderr).toContain(`--token <the 'ops' secret> (or MLDESK_TOKEN)`);
    const failed = (JSON.parse(refused.stdout) as SweepJson).trials[0]!;
    expect(failed.state).toBe('failed');
    const [refusedJob] = jobRows(refusedData);
    expect(refusedJob).toMatchObject({ status: 'failed', executor: 'bullmq' });
    expect(refusedJob!.reason).toContain(`worker ${tokenless.workerId}: the tracking server ${explicitUrl} requires a token and this worker has none (HTTP 401): start the worker with --token <secret> or set MLDESK_TOKEN`);
    expect(tokenless.output()).toContain('requires a token and this worker has none');
    tokenless.child.kill('SIGTERM');
    await tokenless.exited;

    // A worker with the wrong token is told that its token is the one refused.
    const wrong = await startWorkerProcess(redis.url, queue, [], { MLDESK_TOKEN: 'not-the-secret-42' });
    workers.push(wrong);
    const wrongData = await makeTempDir('sweep-remote-data-wrong');
    const wrongRun = await runCli(['sweep', await sweepFolder([0.3]), '--json', '--data-dir', wrongData, '--redis', redis.url, '--queue', queue, '--host', '0.0.0.0', '--token', SECRET], { timeoutMs: 40_000 });
    expect(wrongRun.code, wrongRun.stderr).toBe(1);
    expect(jobRows(wrongData)[0]!.reason).toMatch(/refused this worker's token \(HTTP 401\): start the worker with the token that server was given \(--token <secret> or MLDESK_TOKEN\)/);
    expect(wrong.output()).not.toContain('not-the-secret-42');
    wrong.child.kill('SIGTERM');
    await wrong.exited;

    // 2. A worker holding the token: the trials run on it, through the derived advertised URL.
    const worker = await startWorkerProcess(redis.url, queue, ['--concurrency', '2'], { MLDESK_TOKEN: SECRET });
    workers.push(worker);
    const dataDir = await makeTempDir('sweep-remote-data2');
    const result = await runCli(['sweep', await sweepFolder([0.1, 0.3, 0.6]), '--json', '--data-dir', dataDir, '--redis', redis.url, '--queue', queue, '--host', '0.0.0.0', '--token', SECRET], {
      timeoutMs: 40_000,
    });
    expect(result.code, `${result.stderr}\n--- worker:\n${worker.output()}`).toBe(0);
    const advertised = /Tracking server for the trials: (http:\/\/\S+) /.exec(result.stderr)![1]!;
    expect(new URL(advertised).hostname).toBe(external ?? '127.0.0.1');
    const summary = JSON.parse(result.stdout) as SweepJson;
    expect(summary.state).toBe('finished');
    expect(summary.trials.map((trial) => trial.state)).toEqual(['completed', 'completed', 'completed']);
    expect(Math.min(...summary.trials.map((trial) => trial.value!))).toBeCloseTo(1 / 3);
    for (const row of jobRows(dataDir)) {
      expect(row).toMatchObject({ status: 'succeeded', executor: 'bullmq', worker_id: worker.workerId });
      // The trial process itself was told the advertised URL, and logged through it with the token.
      expect(row.log_tail).toContain(`tracking uri ${advertised}`);
    }
    expect(worker.output()).not.toContain('requires a token');
    for (const output of [refused.stdout, refused.stderr, result.stdout, result.stderr, tokenless.output(), worker.output()]) expect(output).not.toContain(SECRET);
  });
});
