import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startRedis, type RedisServer } from '../tests/integration/redis-fixture.js';
import { appApi, expect, setTheme, shot, test, type ServedApp } from './serve-fixture.js';

/**
 * `mldesk serve --redis`: a sweep started from the app runs its trials on a BullMQ worker (another
 * process), and the Jobs page says so: each trial row names the worker, the drawer shows the
 * executor (bullmq) and the worker's full id.
 */

const TRAIN_JS = `
const x = Number(process.argv[2]);
const uri = process.env.MLFLOW_TRACKING_URI, run_id = process.env.MLFLOW_RUN_ID;
(async () => {
  for (let step = 1; step <= 3; step++) {
    await fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id, key: 'loss', value: Math.abs(x - 0.3) + 1 / step, step, timestamp: Date.now() }) });
  }
  console.log('trained with x = ' + x);
})();
`;

/** Spawns `mldesk ARGS` and resolves with the first match of `pattern` on its stdout. */
function startCli(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['bin/mldesk.js', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mldesk ${args[0]} exited with ${code} before printing ${pattern}`)));
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) resolve({ child, match });
    });
  });
}

let redis: RedisServer | undefined;
const children: ChildProcess[] = [];
const dirs: string[] = [];

test.afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('trials of a sweep from the app run on a BullMQ worker, and the Jobs page names it', async ({ page }) => {
  test.setTimeout(120_000);
  redis = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-bullmq-'));
  const projectDir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-project-'));
  dirs.push(dataDir, projectDir);
  const queue = `e2e${Date.now().toString(36)}`;
  const serve = await startCli(['serve', '--port', '0', '--data-dir', dataDir, '--redis', redis.url, '--queue', queue], /^Jobs go to BullMQ queue '[^']+'; workers log into (http:\/\/\S+)/);
  children.push(serve.child);
  const url = serve.match[1]!;
  const worker = await startCli(['worker', '--redis', redis.url, '--queue', queue, '--concurrency', '2'], /^MLDesk worker (\S+) taking jobs/);
  children.push(worker.child);
  const workerId = worker.match[1]!;
  const [host] = workerId.split(':');

  mkdirSync(join(projectDir, 'curve'));
  writeFileSync(join(projectDir, 'curve', 'MLproject'), 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float, default: 0.5}\n    command: "node train.js {x}"\n');
  writeFileSync(join(projectDir, 'curve', 'train.js'), TRAIN_JS);
  const app = { url, dataDir, loginUrl: null, authHeaders: {}, api: () => Promise.reject(new Error('unused')) } satisfies ServedApp;
  await appApi(app, 'sweeps.create', {
    spec: { name: 'on-worker', project: join(projectDir, 'curve'), method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { values: [0.1, 0.3] } } },
    parallel: 2,
  });

  await page.goto(`${url}/#/jobs`);
  const trials = page.locator('[data-testid="job-row"]', { hasText: 'of sweep on-worker' });
  await expect(trials).toHaveCount(2, { timeout: 30_000 });
  for (const row of await trials.all()) {
    await expect(row.getByTestId('job-status')).toHaveText('Succeeded', { timeout: 30_000 });
    await expect(row).toContainText(host!);
  }
  await setTheme(page, 'light');
  await shot(page, 'jobs-bullmq-list-light');
  await setTheme(page, 'dark');
  await shot(page, 'jobs-bullmq-list-dark');

  await trials.first().click();
  const drawer = page.getByTestId('job-drawer');
  await expect(drawer).toContainText('bullmq');
  await expect(drawer.locator('.job-worker')).toHaveText(workerId);
  await expect(drawer.getByTestId('job-log')).toContainText('trained with x = ', { timeout: 10_000 });
  await setTheme(page, 'light');
  await shot(page, 'jobs-bullmq-drawer-light');
  await setTheme(page, 'dark');
  await shot(page, 'jobs-bullmq-drawer-dark');
  await setTheme(page, 'light');
});
