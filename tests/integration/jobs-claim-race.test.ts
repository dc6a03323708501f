/**
 * Claims race across processes: two processes on one data dir claim the same 300 queued jobs at
 * the same moment; every job is claimed exactly once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStore } from '../../electron/core/automation/job-store.js';
import { openDatabase } from '../../electron/core/store/database.js';
import { REPO_ROOT, childEnv, cleanupTempDirs, makeTempDir } from './server-process.js';

const dist = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;

// Waits for a start time shared by both, then claims every job it can; prints the ids it won.
const CLAIMER = `
import { openDatabase } from ${JSON.stringify(dist('electron/core/store/database.js'))};
import { JobStore } from ${JSON.stringify(dist('electron/core/automation/job-store.js'))};
const [dataDir, name, startAt, ids] = [process.argv[1], process.argv[2], Number(process.argv[3]), process.argv[4].split(',')];
const jobs = new JobStore(openDatabase(dataDir + '/mldesk.db'));
while (Date.now() < startAt) {}
const won = ids.filter((id) => jobs.claim(id, { workerId: name, owner: name }) !== null);
console.log(JSON.stringify(won));
`;

function claimer(dataDir: string, name: string, startAt: number, ids: string[]): Promise<string[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CLAIMER, dataDir, name, String(startAt), ids.join(',')], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`${name} exited ${code}: ${err}`)))));
}

afterAll(cleanupTempDirs);

describe('JobStore.claim across processes', () => {
  it('gives each queued job to exactly one of two processes claiming at once', async () => {
    const dataDir = await makeTempDir('claim-race');
    const db = openDatabase(join(dataDir, 'mldesk.db'));
    const jobs = new JobStore(db);
    const ids = Array.from({ length: 300 }, (_, i) => jobs.create({ kind: 'command', name: `job ${i}`, executor: 'local', spec: { type: 'command', argv: ['true'] } }).id);
    // Both start claiming at the same instant, in opposite orders, so they collide all the way through.
    const startAt = Date.now() + 3000;
    const [a, b] = await Promise.all([claimer(dataDir, 'a', startAt, ids), claimer(dataDir, 'b', startAt, [...ids].reverse())]);
    expect(a.length + b.length).toBe(300);
    expect(new Set([...a, ...b]).size).toBe(300);
    const running = jobs.list({ status: ['running'], limit: 1000 });
    expect(running).toHaveLength(300);
    expect(running.every((job) => job.attempts === 1)).toBe(true);
    expect(running.filter((job) => job.workerId === 'a')).toHaveLength(a.length);
    db.close();
  });
});
