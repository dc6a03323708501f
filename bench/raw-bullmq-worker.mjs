// The scheduling bench's BullMQ floor (scheduling-bench.ts): BullMQ's own Worker, concurrency 1,
// with nothing of MLDesk's (no jobs table, no start or end reports, no runs). Each job's command is
// spawned by a bare-spawner.mjs child, as MLDesk's worker spawns through its own spawner process, so
// what it adds over the bare spawn is BullMQ's per-job work alone: moving the job to active and to
// finished in Redis, and its events. Arguments: REDIS_URL QUEUE.
import { fork } from 'node:child_process';
import { Worker } from 'bullmq';

const [url, queue] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const spawner = fork(new URL('./bare-spawner.mjs', import.meta.url), [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const spawnOnce = (argv) =>
  new Promise((resolve, reject) => {
    spawner.once('message', (reply) => (reply.each ? resolve() : reject(new Error(reply.error))));
    spawner.send({ argv, trials: 1 });
  });
const worker = new Worker(queue, (job) => spawnOnce(job.data.argv), { connection: { host: hostname, port: Number(port) }, concurrency: 1 });
await worker.waitUntilReady();
process.stdout.write('taking jobs\n');
process.once('SIGTERM', () => {
  spawner.kill();
  void worker.close().then(() => process.exit(0));
});
