/**
 * A worker lost between taking a job and reporting its start (issue 15, "a worker killed mid-job
 * loses nothing"): the jobs table never showed the attempt running, so the controller had nothing
 * to abandon, and the run that attempt was logging into stayed RUNNING after the job succeeded
 * elsewhere (seen once in CI's SIGKILL sweep). The lost worker is played by a bare BullMQ worker in
 * this process that takes the job and stops without a word; a real `mldesk worker` takes it next.
 * Real redis-server, tracking server on 127.0.0.1:0 (needs `npm run build`).
 */
import { Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { redisConnection } from '../../electron/core/automation/bullmq-protocol.js';
import { tagsOf, useQueueRig } from './bullmq-fixture.js';

const rig = useQueueRig();

it('the run of an attempt lost before it reported starting is ended FAILED when the next attempt starts; the job succeeds there', { timeout: 60_000 }, async () => {
  const experimentId = rig.server.store.experiments.create('lost-before-start', undefined, []);
  const runId = rig.server.store.createRun({ experimentId, runName: 'silent', tags: [] }).info.run_id;
  const job = rig.jobs.create({ kind: 'command', name: 'silent', executor: 'bullmq', spec: { type: 'command', argv: ['/bin/true'], runId }, maxAttempts: 1 });

  // Takes the job, never reports, then stops renewing its lock as a killed process would.
  let taken!: () => void;
  const takenJob = new Promise<void>((resolve) => (taken = resolve));
  const silent = new Worker(
    rig.queue,
    () => {
      taken();
      return new Promise(() => undefined);
    },
    { connection: redisConnection(rig.redis.url), lockDuration: 1000, skipStalledCheck: true },
  );
  await rig.executor.submit(job);
  await takenJob;
  await silent.close(true);
  expect(rig.jobs.get(job.id).status, 'the table never heard of that attempt').toBe('queued');

  const worker = await rig.startWorker();
  const done = await rig.executor.waitFor(job.id);
  expect(done, done.reason ?? '').toMatchObject({ status: 'succeeded', workerId: worker.workerId });
  expect(done.runId).not.toBe(runId);
  expect(tagsOf(await rig.runGet(done.runId!))[`mldesk.replaces_run`]).toBe(runId);

  // The lost attempt's run: ended FAILED with the reason once the next attempt reported (not left RUNNING).
  const deadline = Date.now() + 10_000;
  let lost = await rig.runGet(runId);
  while (lost.info.status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    lost = await rig.runGet(runId);
  }
  expect(lost.info.status).toBe('FAILED');
  expect(tagsOf(lost)['mldesk.failure_reason']).toMatch(new RegExp(`^worker lost: .*attempt 2 went on in run ${done.runId} on ${worker.workerId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
