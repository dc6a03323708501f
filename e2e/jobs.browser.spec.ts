import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appApi, expect, SERVER_POLL, setTheme, shot, test, type ServedApp } from './serve-fixture.js';
import { pidAlive } from '../electron/core/automation/process-identity.js';

/**
 * The jobs page, live: a long command job run by another process (`mldesk jobs run`) shows up
 * running with its log growing; cancelling it from the page kills its whole process tree (the
 * grandchild that prints the ticks included) and the row ends cancelled with the reason.
 */

// The job's process starts a grandchild that does the printing, so only a tree kill silences it.
const TICKER = `const { spawn } = require('node:child_process');
const c = spawn(process.execPath, ['-e', "let i = 0; console.log('grandchild ' + process.pid); setInterval(() => console.log('tick ' + ++i), 150)"], { stdio: 'inherit' });
setInterval(() => {}, 1000);`;

function jobsRun(app: ServedApp, name: string, script: string): ChildProcess {
  return spawn(process.execPath, ['bin/mldesk.js', 'jobs', 'run', '--data-dir', app.dataDir, '--name', name, '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function jobsRunSync(app: ServedApp, name: string, script: string, extra: string[] = []): number | null {
  return spawnSync(process.execPath, ['bin/mldesk.js', 'jobs', 'run', '--data-dir', app.dataDir, '--name', name, ...extra, '--', process.execPath, '-e', script], { stdio: 'ignore' }).status;
}


test('a running job shows its growing log; cancel kills its tree and it ends cancelled with the reason', async ({ page, app }) => {
  // Three `mldesk jobs run` processes start one after another on a shared two-core machine.
  test.setTimeout(120_000);
  // Finished jobs beside it, so the table shows every status colour.
  expect(jobsRunSync(app, 'prepare data', "console.log('rows: 150'); console.log('written data/iris.parquet')")).toBe(0);
  expect(jobsRunSync(app, 'flaky export', "console.error('upload refused: HTTP 503'); process.exit(2)", ['--max-attempts', '2'])).toBe(3);

  const cli = jobsRun(app, 'long ticker', TICKER);
  const cliExit = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
  try {
    await page.goto(`${app.url}/#/jobs`);
    const row = page.locator('[data-testid="job-row"]', { hasText: 'long ticker' });
    await expect(row.getByTestId('job-status')).toHaveText('Running', { timeout: 15_000 });
    await expect(page.locator('[data-testid="job-row"]', { hasText: 'flaky export' })).toContainText('exit code 2');
    await expect(page.locator('[data-testid="job-row"]', { hasText: 'flaky export' })).toContainText('2 / 2');
    await expect(page.locator('[data-testid="job-row"]', { hasText: 'prepare data' }).getByTestId('job-status')).toHaveText('Succeeded');

    await setTheme(page, 'light');
    await shot(page, 'jobs-list-light');
    await setTheme(page, 'dark');
    await shot(page, 'jobs-list-dark');

    await row.click();
    const drawer = page.getByTestId('job-drawer');
    const log = drawer.getByTestId('job-log');
    await expect(log).toContainText('tick 3', { timeout: 10_000 });
    const grandchild = Number(/grandchild (\d+)/.exec((await log.textContent()) ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    // The log grows while it runs, without a reload.
    await expect(log).toContainText('tick 12', { timeout: 10_000 });

    await setTheme(page, 'light');
    await shot(page, 'jobs-running-light');
    await setTheme(page, 'dark');
    await shot(page, 'jobs-running-dark');
    await setTheme(page, 'light');

    await drawer.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.getByTestId('job-cancel-dialog');
    await dialog.getByRole('textbox').fill('enough ticks for the demo');
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(row.getByTestId('job-status')).toHaveText('Cancelled', { timeout: 10_000 });
    await expect(drawer.getByTestId('job-reason')).toHaveText('enough ticks for the demo');
    await expect(row).toContainText('enough ticks for the demo');
    await expect(drawer.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);
    // The process that ran it saw the cancel, killed the whole tree and exited "job did not succeed".
    expect(await cliExit).toBe(3);
    await expect.poll(() => pidAlive(grandchild), { timeout: 5000 }).toBe(false);
    const logAfter = await log.textContent();
    await page.waitForTimeout(600);
    expect(await log.textContent()).toBe(logAfter);

    await shot(page, 'jobs-cancelled-light');
    await setTheme(page, 'dark');
    await shot(page, 'jobs-cancelled-dark');

    // Filters: only the failed one.
    await page.getByRole('button', { name: /^Failed/ }).click();
    await expect(page.getByTestId('job-row')).toHaveCount(1);
    await expect(page.getByTestId('job-row')).toContainText('flaky export');
  } finally {
    cli.kill('SIGKILL');
  }
});

test('a training started from the app is a train job with its run and epochs in the log; cancelling it on the jobs page kills the run', async ({ page, app }) => {
  test.setTimeout(120_000);
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', {
    dataset: 'iris',
    target: 'species',
    experimentName: 'jobs-e2e',
    runName: 'iris-long',
    backend: 'cpu',
    hyperparameters: { epochs: 5000, earlyStoppingPatience: 0 },
  });
  await page.goto(`${app.url}/#/jobs`);
  const row = page.locator('[data-testid="job-row"]', { hasText: 'train iris-long' });
  await expect(row.getByTestId('job-status')).toHaveText('Running');
  await expect(row).toContainText('train');
  await row.click();
  const drawer = page.getByTestId('job-drawer');
  await expect(drawer.getByRole('link', { name: 'iris-long' })).toHaveAttribute('href', `#/runs/${runId}`);
  await expect(drawer.getByTestId('job-log')).toContainText(/epoch 2\/5000 .*loss=/, { timeout: 30_000 });

  await drawer.getByRole('button', { name: 'Cancel job' }).click();
  await page.getByTestId('job-cancel-dialog').getByRole('button', { name: 'Cancel job' }).click();
  await expect(row.getByTestId('job-status')).toHaveText('Cancelled', { timeout: 15_000 });
  await expect(drawer.getByTestId('job-reason')).toHaveText('cancelled from the app');
  // The training panel's own event stream saw the same end.
  await expect.poll(async () => (await appApi<{ jobs: Array<{ runId: string; progress: { phase: string } }> }>(app, 'training.jobs', {})).jobs.find((j) => j.runId === runId)?.progress.phase, { intervals: SERVER_POLL }).toBe('killed');
  const { run } = await appApi<{ run: { status: string } }>(app, 'runs.get', { runId });
  expect(run.status).toBe('KILLED');
});
