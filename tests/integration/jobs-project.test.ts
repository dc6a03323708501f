/**
 * Project jobs through the local pool: the pool hands a 'project' job to launchProjectRun, which
 * runs the entry point into the job's run over the tracking server's REST API; the job's log tail,
 * status and the run's status agree, and cancel ends both (job cancelled, run KILLED).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../../electron/core/automation/job-store.js';
import { LocalPoolExecutor } from '../../electron/core/automation/local-pool.js';
import { openDatabase, type SqliteDatabase } from '../../electron/core/store/database.js';
import { cleanupTempDirs, makeTempDir, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const MLPROJECT = `name: shellproj
entry_points:
  main:
    parameters:
      greeting: {type: string, default: hello}
      steps: {type: int, default: 2}
    command: "echo {greeting} {steps}"
  slow:
    command: "sleep 300"
`;

let server: ServerProcess;
let db: SqliteDatabase;
let jobs: JobStore;
let pool: LocalPoolExecutor;
let project: string;

beforeAll(async () => {
  server = await startServer();
  db = openDatabase(join(server.dataDir!, 'mldesk.db'));
  jobs = new JobStore(db);
  pool = new LocalPoolExecutor(jobs, { concurrency: 2, workRoot: await makeTempDir('pool-work'), killGraceMs: 1000 });
  pool.setTrackingServer({ trackingUri: server.url });
  project = await makeTempDir('shellproj');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'MLproject'), MLPROJECT);
});

afterAll(async () => {
  await pool?.close();
  db?.close();
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

async function newRun(name: string): Promise<string> {
  const res = await server.post<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: '0', run_name: name });
  return res.body.run.info.run_id;
}

async function runStatus(runId: string): Promise<string> {
  return (await server.get<{ run: { info: { status: string } } }>('runs/get', { run_id: runId })).body.run.info.status;
}

describe('project jobs on the local pool', () => {
  it('runs the entry point into its run: job succeeded with the output in its log, run FINISHED', async () => {
    const runId = await newRun('greet');
    const job = jobs.create({ kind: 'project', name: 'greet', executor: 'local', spec: { type: 'project', project: { kind: 'path', path: project }, entryPoint: 'main', parameters: { greeting: 'bonjour', steps: '3' }, experimentId: '0', runId } });
    await pool.submit(job);
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0, runId });
    expect(done.logTail).toContain('bonjour 3');
    expect(await runStatus(runId)).toBe('FINISHED');
  });

  it('cancel ends the job cancelled with the reason and its run KILLED', async () => {
    const runId = await newRun('slow');
    const job = jobs.create({ kind: 'project', name: 'slow', executor: 'local', spec: { type: 'project', project: { kind: 'path', path: project }, entryPoint: 'slow', experimentId: '0', runId } });
    await pool.submit(job);
    const deadline = Date.now() + 30_000;
    while (jobs.get(job.id).pid === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jobs.get(job.id).pid).not.toBeNull();
    await pool.cancel(job.id, 'not needed any more');
    const done = await pool.waitFor(job.id);
    expect(done).toMatchObject({ status: 'cancelled', reason: 'not needed any more' });
    expect(await runStatus(runId)).toBe('KILLED');
  });
});
