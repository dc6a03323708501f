import type { Locator, Page } from '@playwright/test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appApi, expect, SERVER_POLL, type ServedApp, snap, test } from './serve-fixture.js';

const SCREENSHOTS = 'e2e/screenshots';

interface RunGet {
  run: { status: string; runName: string; metrics: Record<string, number> };
}
interface Lineage {
  lineage: {
    code: { git: { commit: string; branch: string | null; dirty: boolean } | null; gitProblem: string | null; configSha256: string };
    environment: { tfjs: string; node: string; backend: string; cpuCores: number };
    data: { sha256: string; rows: number };
  } | null;
}

async function runStatus(app: ServedApp, runId: string): Promise<string> {
  return (await appApi<RunGet>(app, 'runs.get', { runId })).run.status;
}

/** Trains on the iris sample through the app API and waits for the run to end (no sleeps: polls the run). */
async function trainIris(app: ServedApp, hyperparameters: Record<string, number>): Promise<string> {
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', { dataset: 'iris', target: 'species', experimentName: 'lineage-e2e', backend: 'cpu', hyperparameters });
  return runId;
}

async function waitFinished(app: ServedApp, runId: string): Promise<void> {
  await expect.poll(() => runStatus(app, runId), { timeout: 60_000, intervals: SERVER_POLL, message: `run ${runId} should finish` }).toBe('FINISHED');
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** A full-page screenshot from the top: scrolled, the sticky top bar would land mid-page. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await snap(page, `${SCREENSHOTS}/${name}.png`, { fullPage: true });
}

/** A modal covers the viewport only, so it is shot as the user sees it. */
async function shotViewport(page: Page, name: string): Promise<void> {
  await snap(page, `${SCREENSHOTS}/${name}.png`);
}

const node = (page: Page, id: string): Locator => page.locator(`[data-testid="lineage-node"][data-node-id="${id}"]`);
const edge = (page: Page, relation: string, from: string, to: string): Locator =>
  page.locator(`[data-testid="lineage-edge"][data-relation="${relation}"][data-from="${from}"][data-to="${to}"]`);
const fact = (group: Locator, name: string): Locator => group.locator(`[data-fact="${name}"]`);

test('a trained run shows its lineage, and reproducing it gives the very same metrics', async ({ app, page }) => {
  test.setTimeout(180_000);
  const runId = await trainIris(app, { epochs: 8, seed: 3 });
  await waitFinished(app, runId);
  const { lineage } = await appApi<Lineage>(app, 'runs.lineage', { runId });
  expect(lineage).not.toBeNull();
  const { selected } = await appApi<{ selected: { sha256: string } }>(app, 'datasets.get', { ref: 'iris@1' });

  await page.goto(`${app.url}/#/runs/${runId}?tab=lineage`);
  await expect(page.getByRole('tab', { name: 'Lineage' })).toHaveAttribute('aria-selected', 'true');
  // The graph: dataset version → this run → its model.
  const modelId = `model:runs:/${runId}/model`;
  await expect(page.getByTestId('lineage-node')).toHaveCount(3);
  await expect(node(page, 'dataset:iris@1')).toContainText('150 rows');
  await expect(node(page, 'dataset:iris@1')).toContainText(selected.sha256.slice(0, 12));
  await expect(node(page, `run:${runId}`)).toHaveAttribute('data-role', 'current');
  await expect(node(page, `run:${runId}`)).toContainText('FINISHED');
  await expect(node(page, modelId)).toContainText(`runs:/${runId.slice(0, 4)}`);
  await expect(edge(page, 'trained_on', 'dataset:iris@1', `run:${runId}`)).toContainText('trained_on');
  await expect(edge(page, 'produced', `run:${runId}`, modelId)).toContainText('produced');

  // The list: code, environment, data and every hyperparameter, as recorded.
  const code = page.getByTestId('lineage-code');
  if (lineage!.code.git) {
    await expect(fact(code, 'git-commit')).toContainText(lineage!.code.git.commit.slice(0, 12));
    if (lineage!.code.git.branch) await expect(fact(code, 'git-commit')).toContainText(lineage!.code.git.branch);
    await expect(fact(code, 'git-dirty')).toContainText(lineage!.code.git.dirty ? 'dirty' : 'clean');
  } else {
    await expect(fact(code, 'git-commit')).toContainText(lineage!.code.gitProblem ?? 'not a git repository');
  }
  await expect(fact(code, 'config-hash')).toContainText(lineage!.code.configSha256.slice(0, 12));
  const env = page.getByTestId('lineage-environment');
  await expect(env).toContainText(lineage!.environment.tfjs);
  await expect(env).toContainText(lineage!.environment.node);
  await expect(env).toContainText(`× ${lineage!.environment.cpuCores} cores`);
  await expect(fact(env, 'backend')).toContainText('cpu');
  const data = page.getByTestId('lineage-data');
  await expect(fact(data, 'dataset')).toContainText('iris@1');
  await expect(fact(data, 'sha256').locator('code')).toHaveAttribute('data-full', selected.sha256);
  await expect(fact(data, 'rows')).toHaveText(/150/);
  const hp = page.getByTestId('lineage-hyperparameters');
  await expect(fact(hp, 'seed')).toHaveClass(/highlight/);
  await expect(fact(hp, 'seed')).toContainText('3');
  await expect(fact(hp, 'epochs')).toContainText('8');
  await expect(fact(hp, 'learningRate')).toContainText('0.001');
  await setTheme(page, 'light');
  await shot(page, 'lineage-light');
  await setTheme(page, 'dark');
  await shot(page, 'lineage-dark');
  await setTheme(page, 'light');

  // Clicking the dataset opens its page.
  await node(page, 'dataset:iris@1').click();
  await expect(page).toHaveURL(/#\/datasets\/iris@1$/);
  await page.goBack();
  await expect(page.getByTestId('lineage-tab')).toBeVisible();

  // Reproduce: the check, the plan and the tolerance, then the new run.
  await page.getByRole('button', { name: 'Reproduce' }).click();
  const dialog = page.getByTestId('reproduce-dialog');
  await expect(dialog.getByTestId('reproduce-check')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await expect(dialog.getByTestId('reproduce-problems')).toHaveCount(0);
  const plan = dialog.getByTestId('reproduce-plan');
  await expect(fact(plan, 'dataset')).toContainText('iris@1');
  await expect(fact(plan, 'backend')).toHaveText(/cpu/);
  await expect(fact(plan, 'seed')).toHaveText(/3/);
  await expect(fact(plan, 'epochs')).toHaveText(/8/);
  const tolerance = dialog.getByLabel('Relative tolerance');
  await expect(tolerance).toHaveValue('0');
  const start = dialog.getByRole('button', { name: 'Start reproduction' });
  await tolerance.fill('-0.5');
  await expect(start).toBeDisabled();
  await expect(dialog).toContainText('cannot be negative');
  await tolerance.fill('0');
  await expect(start).toBeEnabled();
  await shotViewport(page, 'reproduce-dialog');
  await start.click();

  await expect(page).not.toHaveURL(new RegExp(runId));
  const copyId = /#\/runs\/([0-9a-f]+)/.exec(page.url())?.[1];
  expect(copyId).toBeTruthy();
  const verdict = page.getByTestId('reproduction-verdict');
  await expect(verdict).toBeVisible();
  await expect(verdict.getByTestId('original-run-link')).toHaveAttribute('href', `#/runs/${runId}?tab=lineage`);
  await expect(verdict).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(verdict.getByTestId('verdict-badge')).toHaveText('Reproduced ✓');
  const rows = verdict.getByTestId('comparison-table').locator('tbody tr');
  const original = (await appApi<RunGet>(app, 'runs.get', { runId })).run.metrics;
  const finalMetrics = Object.keys(original).filter((key) => !key.startsWith('system/'));
  await expect(rows).toHaveCount(finalMetrics.length);
  await expect(verdict.locator('tbody tr[data-equal="false"]')).toHaveCount(0);
  for (const key of finalMetrics) await expect(rows.filter({ has: page.locator(`td:text-is("${key}")`) })).toHaveAttribute('data-equal', 'true');
  await expect(page.getByRole('button', { name: 'Reproduce' })).toBeVisible();
  await shot(page, 'reproduction-verdict');

  // The reproduction's lineage shows what it reproduces; the original lists it with its verdict.
  await page.getByRole('tab', { name: 'Lineage' }).click();
  await expect(edge(page, 'reproduces', `run:${copyId}`, `run:${runId}`)).toBeVisible();
  await expect(node(page, `run:${runId}`)).toHaveAttribute('data-role', 'original');
  await expect(page.getByTestId('reproduction-verdict').getByTestId('verdict-badge')).toHaveText('Reproduced ✓');
  await setTheme(page, 'dark');
  await shot(page, 'lineage-reproduction-dark');
  await setTheme(page, 'light');
  await node(page, `run:${runId}`).click();
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}\\?tab=lineage$`));
  const row = page.getByTestId('reproductions-list').locator(`[data-run-id="${copyId}"]`);
  await expect(row.getByTestId('verdict-badge')).toHaveText('Reproduced ✓');
  await expect(row).toContainText(`${finalMetrics.length} / ${finalMetrics.length}`);
  await expect(node(page, `run:${copyId}`)).toHaveAttribute('data-role', 'reproduction');
  await shot(page, 'lineage-original-with-reproduction');
});

test('a reproduction whose metrics differ from the original says so, metric by metric', async ({ app, page }) => {
  test.setTimeout(120_000);
  const runId = await trainIris(app, { epochs: 3, seed: 11 });
  await waitFinished(app, runId);
  // Someone re-logged the original's accuracy afterwards: its final value is no longer what training computed.
  await app.api('runs/log-batch', { run_id: runId, metrics: [{ key: 'accuracy', value: 0.123, timestamp: Date.now(), step: 1000 }] });

  await page.goto(`${app.url}/#/runs/${runId}`);
  await page.getByRole('button', { name: 'Reproduce' }).click();
  const dialog = page.getByTestId('reproduce-dialog');
  await expect(dialog.getByTestId('reproduce-check')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await dialog.getByLabel('Relative tolerance').fill('0.001');
  await expect(dialog).toContainText('0.1 %');
  await dialog.getByRole('button', { name: 'Start reproduction' }).click();
  await expect(page).not.toHaveURL(new RegExp(runId));

  const verdict = page.getByTestId('reproduction-verdict');
  await expect(verdict).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(verdict.getByTestId('verdict-badge')).toHaveText('Not reproduced ✗');
  await expect(verdict).toContainText('0.001 relative');
  const differing = verdict.locator('tbody tr[data-equal="false"]');
  await expect(differing).toHaveCount(1);
  await expect(differing).toHaveAttribute('data-key', 'accuracy');
  await expect(differing.locator('td').nth(1)).toHaveText('0.123');
  await expect(verdict.locator('tbody tr[data-equal="true"]').first()).toBeVisible();
  await setTheme(page, 'dark');
  await shot(page, 'reproduction-not-reproduced-dark');

  await verdict.getByTestId('original-run-link').click();
  await expect(page.getByTestId('reproductions-list').getByTestId('verdict-badge')).toHaveText('Not reproduced ✗');
});

test('a run logged through the MLflow API has no lineage and no Reproduce button', async ({ app, page }) => {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'from-python' });
  const commit = '4f1c0ffee4f1c0ffee4f1c0ffee4f1c0ffee4f1c';
  const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', {
    experiment_id,
    run_name: 'sklearn-baseline',
    start_time: Date.now() - 60_000,
    tags: [
      { key: 'mlflow.source.git.commit', value: commit },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ],
  });
  const runId = run.info.run_id;
  await app.api('runs/log-batch', { run_id: runId, metrics: [{ key: 'accuracy', value: 0.91, timestamp: Date.now(), step: 0 }] });
  await app.api('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });

  await page.goto(`${app.url}/#/runs/${runId}?tab=lineage`);
  const empty = page.getByTestId('lineage-empty');
  await expect(empty).toContainText('No lineage recorded for this run');
  await expect(empty).toContainText('for the runs it trains itself');
  const tags = page.getByTestId('mlflow-source-tags');
  await expect(tags.locator('[data-key="mlflow.source.git.commit"] code')).toHaveAttribute('data-full', commit);
  await expect(tags.locator('[data-key="mlflow.source.name"]')).toContainText('train.py');
  await expect(page.getByTestId('lineage-graph')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'sklearn-baseline' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reproduce' })).toHaveCount(0);
  await setTheme(page, 'light');
  await shot(page, 'lineage-empty');
});

test('a dataset whose stored bytes changed blocks the reproduction and names the dataset', async ({ app, page }) => {
  test.setTimeout(120_000);
  const runId = await trainIris(app, { epochs: 3, seed: 1 });
  await waitFinished(app, runId);
  const { selected } = await appApi<{ selected: { sha256: string } }>(app, 'datasets.get', { ref: 'iris@1' });
  const blob = join(app.dataDir, 'blobs', 'sha256', selected.sha256.slice(0, 2), selected.sha256.slice(2));
  expect(existsSync(blob), `the dataset blob at ${blob}`).toBe(true);
  writeFileSync(blob, 'sepal_length,sepal_width,petal_length,petal_width,species\n9,9,9,9,setosa\n');

  await page.goto(`${app.url}/#/runs/${runId}`);
  await page.getByRole('button', { name: 'Reproduce' }).click();
  const dialog = page.getByTestId('reproduce-dialog');
  await expect(dialog.getByTestId('reproduce-check')).toHaveAttribute('data-ok', 'false', { timeout: 30_000 });
  const problem = dialog.getByTestId('reproduce-problems').locator('li[data-code="dataset_changed"]');
  await expect(problem).toContainText('iris@1');
  await expect(problem).toContainText(selected.sha256);
  await expect(dialog.getByRole('button', { name: 'Start reproduction' })).toBeDisabled();
  await expect(dialog.getByLabel('Relative tolerance')).toHaveCount(0);
  await setTheme(page, 'light');
  await shotViewport(page, 'reproduce-blocked');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('a run in training shows live progress on its page until it ends', async ({ app, page }) => {
  // Long enough to watch; cancelled once the progress has been seen to move.
  const runId = await trainIris(app, { epochs: 3000, seed: 5, earlyStoppingPatience: 0 });
  await page.goto(`${app.url}/#/runs/${runId}`);
  const progress = page.getByTestId('training-progress');
  await expect(progress).toBeVisible();
  await expect(progress.getByTestId('training-epochs')).toHaveText(/^Epoch \d+ \/ 3000$/, { timeout: 30_000 });
  await expect.poll(async () => Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(progress.getByTestId('training-eta')).toHaveText(/ETA \d/);
  await setTheme(page, 'light');
  await shot(page, 'run-training-progress');
  await appApi(app, 'training.cancel', { runId });
  await expect(page.locator('.run-title-row .status')).toHaveText('KILLED', { timeout: 30_000 });
  await expect(progress).toHaveCount(0);
  // A run that did not finish or fail has nothing settled to reproduce.
  await expect(page.getByRole('button', { name: 'Reproduce' })).toHaveCount(0);
});
