/**
 * `mldesk worker` starts command jobs through its spawner process (spawner-process.ts), so the
 * worker's Redis work between jobs runs in a process that never forks. Real redis-server, real
 * worker processes. Needs `npm run build` (the workers run dist/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../shared/automation.js';
import { pidAlive } from '../../electron/core/automation/process-identity.js';
import { nodeArgv as node, useQueueRig } from './bullmq-fixture.js';

const rig = useQueueRig();


function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

function spawnersOf(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number));
  return children.filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('spawner-process'));
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const submit = (name: string, argv: string[]): Promise<Job> => rig.submitCommand(name, argv);

async function runningPid(jobId: string): Promise<number> {
  await until(() => rig.jobs.get(jobId).pid !== null);
  return rig.jobs.get(jobId).pid as number;
}

describe('mldesk worker with its spawner process', () => {
  it('runs a command job under its spawner; a killed spawner fails the job naming it and kills its process; the next job gets a new spawner', async () => {
    const worker = await rig.startWorker();
    const job = await submit('under-the-spawner', node("console.log('running'); setInterval(() => {}, 1000)"));
    const pid = await runningPid(job.id);
    const spawner = parentOf(pid);
    expect(parentOf(spawner)).toBe(worker.child.pid);
    expect(readFileSync(`/proc/${spawner}/cmdline`, 'utf8')).toContain('spawner-process');
    process.kill(spawner, 'SIGKILL');
    const done = await rig.executor.waitFor(job.id);
    expect(done).toMatchObject({ status: 'failed', reason: `the job spawner process (pid ${spawner}) was killed by SIGKILL while the job ran` });
    await until(() => !pidAlive(pid), 3000);

    const next = await submit('after-the-spawner-died', node("console.log('fine again')"));
    expect(await rig.executor.waitFor(next.id)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(rig.jobs.get(next.id).logTail).toContain('fine again');
    // A worker stopped the usual way ends the spawner it started for that job.
    const [newSpawner] = spawnersOf(worker.child.pid as number);
    expect(newSpawner).toBeDefined();
    expect(newSpawner).not.toBe(spawner);
    worker.child.kill('SIGTERM');
    await worker.exited;
    await until(() => !pidAlive(newSpawner as number), 5000);
    // Scratch folders are removed in the background after each job; a stopped worker leaves none
    // behind, not even the one it had made ready for its next job.
    const scratch = readdirSync(tmpdir()).filter((name) => name.startsWith(`mldesk-worker-${worker.child.pid}-`));
    expect(scratch).toEqual([]);
  });

  it('a worker killed with SIGKILL takes its spawner with it, and the job process is left for the stalled-job check', async () => {
    const worker = await rig.startWorker();
    const job = await submit('orphaned', node('setInterval(() => {}, 1000)'));
    const pid = await runningPid(job.id);
    const spawner = parentOf(pid);
    expect(parentOf(spawner)).toBe(worker.child.pid);
    worker.child.kill('SIGKILL');
    await until(() => !pidAlive(spawner), 5000);
    expect(pidAlive(pid)).toBe(true);
    process.kill(-pid, 'SIGKILL');
  });
});
