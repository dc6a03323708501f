import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, setTheme, shot, test } from './serve-fixture.js';

/**
 * A node script project that logs its loss over the tracking REST API a step at a time; the loss
 * is ordered by |x − 0.3| at every step, so the best trial is known and ASHA has losers to prune.
 */
function writeCurveProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-sweep-project-'));
  writeFileSync(join(dir, 'MLproject'), 'name: curve\nentry_points:\n  main:\n    parameters:\n      x: {type: float}\n      opt: {type: string, default: sgd}\n    command: "node train.js {x} {opt}"\n');
  writeFileSync(
    join(dir, 'train.js'),
    `const x = Number(process.argv[2]); const opt = process.argv[3];
const uri = process.env.MLFLOW_TRACKING_URI, run_id = process.env.MLFLOW_RUN_ID;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let step = 1; step <= 9; step++) {
    const value = (0.05 + Math.abs(x - 0.3) + (opt === 'adam' ? 0 : 0.02)) * (1 + 3 / step);
    await fetch(uri + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id, key: 'loss', value, step, timestamp: Date.now() }) });
    await sleep(120);
  }
})();
`,
  );
  return dir;
}

test('New sweep form: field errors, then a live sweep where ASHA prunes losers, the best is found and promoted', async ({ app, page }) => {
  test.setTimeout(120_000);
  const project = writeCurveProject();
  try {
    await page.goto(`${app.url}/#/sweeps`);
    await expect(page.getByTestId('sweeps-empty')).toBeVisible();
    await page.getByRole('link', { name: 'New sweep' }).first().click();
    const form = page.getByTestId('new-sweep-page');
    await expect(form).toBeVisible();

    // Checked in the form: a relative path, a range upside down.
    await form.getByLabel('Project folder').fill('projects/curve');
    await form.getByLabel('Name', { exact: true }).first().fill('curve-asha');
    const row = form.locator('[data-row="0"]');
    await row.getByLabel('Name').fill('x');
    await row.getByLabel('Kind').selectOption('uniform');
    await row.getByLabel('Min').fill('1');
    await row.getByLabel('Max').fill('0');
    await form.getByRole('button', { name: 'Start sweep' }).click();
    await expect(form.getByTestId('error-project')).toHaveText('Must be an absolute path, e.g. /home/me/projects/train.');
    await expect(form.getByTestId('error-parameters.0.max')).toHaveText('Must be greater than min.');
    await setTheme(page, 'light');
    await shot(page, 'sweep-form-errors-light');
    await setTheme(page, 'dark');
    await shot(page, 'sweep-form-errors-dark');
    await setTheme(page, 'light');

    // Checked by the server: a folder that is not there lands on the project field.
    await form.getByLabel('Project folder').fill(join(project, 'missing'));
    await row.getByLabel('Min').fill('0');
    await row.getByLabel('Max').fill('1');
    await form.getByRole('button', { name: 'Start sweep' }).click();
    await expect(form.getByTestId('error-project')).toHaveText(`no folder at ${join(project, 'missing')}.`);

    // A valid grid: 8 values of x times 2 optimisers, 4 at a time, ASHA.
    await form.getByLabel('Project folder').fill(project);
    await form.getByLabel('Method').selectOption('grid');
    await row.getByLabel('Kind').selectOption('values');
    await row.getByLabel('Values (comma-separated)').fill('0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.6');
    await form.getByRole('button', { name: 'Add parameter' }).click();
    const second = form.locator('[data-row="1"]');
    await second.getByLabel('Name').fill('opt');
    await second.getByLabel('Values (comma-separated)').fill('sgd, adam');
    await form.getByLabel('Trials').fill('');
    await form.getByRole('button', { name: 'Start sweep' }).click();

    // Under CI load creating the sweep and its first page load can take a while; a refusal shows
    // on the form instead, and then the test says which field the form complained about.
    const sweep = page.getByTestId('sweep-page');
    await expect(sweep.or(form.getByRole('alert').first())).toBeVisible({ timeout: 30_000 });
    if (!(await sweep.isVisible())) throw new Error(`the form refused the sweep: ${await form.getByRole('alert').allInnerTexts()}`);
    // Live: the page fills in while trials run, without a reload.
    await expect(sweep.locator('[data-count="pruned"]')).toBeVisible({ timeout: 60_000 });
    await expect(sweep).toHaveAttribute('data-state', 'finished', { timeout: 90_000 });
    const trials = sweep.getByTestId('sweep-trials');
    await expect(trials.locator('tbody tr')).toHaveCount(16);
    const pruned = trials.locator('tr[data-state="pruned"]');
    expect(await pruned.count()).toBeGreaterThanOrEqual(6);
    // Each pruned trial says at which step and rung, and why; which rung depends on the order trials reach it (load).
    for (const reason of await pruned.locator('.trial-reason').allInnerTexts()) expect(reason).toMatch(/^step (\d+): rung \d+ \(step \1\): loss [\d.]+ is outside the top \d+ of \d+ at this rung/);
    const best = trials.locator('tr.best-trial');
    await expect(best).toContainText('0.3');
    await expect(best).toContainText('adam');
    await expect(sweep.getByTestId('sweep-best')).toContainText('trial');
    await expect(sweep.getByTestId('sweep-best-chart')).not.toHaveAttribute('data-points', '0');
    await expect(sweep.getByTestId('sweep-parallel')).toHaveAttribute('data-lines', '16');
    await expect(sweep.getByTestId('sweep-importance').locator('[data-parameter="x"] .importance-value')).not.toHaveText('—');
    await expect(sweep.getByTestId('sweep-decisions').locator('li[data-decision="prune"]').first()).toBeVisible();

    await setTheme(page, 'light');
    await shot(page, 'sweep-page-light');
    await setTheme(page, 'dark');
    await shot(page, 'sweep-page-dark');

    // Promote best: one click tags the best run (no model was logged to register).
    await sweep.getByRole('button', { name: 'Promote best' }).click();
    await expect(sweep.getByTestId('promote-best').getByRole('status')).toContainText("Tagged trial");

    await page.goto(`${app.url}/#/sweeps`);
    await expect(page.getByTestId('sweeps-table').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('sweeps-table')).toContainText('curve-asha');
    await shot(page, 'sweeps-list-dark');
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
