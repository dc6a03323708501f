import type { Page } from '@playwright/test';
import { seedRuns } from './seed-runs.js';
import { expect, setTheme, shot, test, type ServedApp } from './serve-fixture.js';

/**
 * What every page shares: no console error on load (zod's eval probe under the CSP, a missing
 * favicon), an icon, and a window title naming the page.
 */

interface PageProblems {
  console: string[];
  failed: string[];
}

/** Console errors, page errors and any answer of 400 or more (a missing favicon is one), from the first request on. */
function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { console: [], failed: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.console.push(message.text());
  });
  page.on('pageerror', (error) => problems.console.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.failed.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}

async function seed(app: ServedApp): Promise<{ experimentId: string; runIds: string[] }> {
  const { experiment_id: experimentId } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'churn-model' });
  const runIds = await seedRuns(app, experimentId, [
    { name: 'mlp-small', startTime: Date.now() - 7_200_000, status: 'FINISHED' },
    { name: 'mlp-large', startTime: Date.now() - 3_600_000, status: 'FINISHED' },
  ]);
  await app.api('registered-models/create', { name: 'churn' });
  return { experimentId, runIds };
}

test('no page logs a console error or a failed request on load, and each has its own title', async ({ app, page }) => {
  const { experimentId, runIds } = await seed(app);
  const [runA, runB] = runIds as [string, string];
  const pages: Array<{ hash: string; title: RegExp | string; ready: (page: Page) => Promise<void> }> = [
    { hash: `#/experiments/${experimentId}`, title: 'churn-model · Experiments · MLDesk', ready: (p) => expect(p.getByTestId('runs-table')).toBeVisible() },
    { hash: `#/runs/${runA}`, title: 'mlp-small · Runs · MLDesk', ready: (p) => expect(p.getByTestId('run-page')).toBeVisible() },
    { hash: `#/compare?runs=${runA},${runB}`, title: 'Compare 2 runs · MLDesk', ready: (p) => expect(p.getByTestId('compare-page')).toBeVisible() },
    { hash: '#/datasets', title: 'Datasets · MLDesk', ready: (p) => expect(p.getByTestId('sample-card').first()).toBeVisible() },
    { hash: '#/models', title: 'Models · MLDesk', ready: (p) => expect(p.getByText('churn').first()).toBeVisible() },
    { hash: '#/models/churn', title: 'churn · Models · MLDesk', ready: (p) => expect(p.getByRole('heading', { name: 'churn' })).toBeVisible() },
    { hash: '#/new-run', title: 'New run · MLDesk', ready: (p) => expect(p.getByRole('heading', { name: 'New training run' })).toBeVisible() },
  ];
  for (const target of pages) {
    // A fresh tab per page: each load starts from nothing, as a reload or a shared link would.
    const tab = await page.context().newPage();
    const problems = watchProblems(tab);
    await tab.goto(`${app.url}/${target.hash}`);
    await target.ready(tab);
    await expect(tab).toHaveTitle(target.title);
    // The favicon request is made after load; wait for it to be answered before judging.
    await tab.waitForLoadState('networkidle');
    expect({ page: target.hash, ...problems }).toEqual({ page: target.hash, console: [], failed: [] });
    await tab.close();
  }
});

test('the app has an icon: linked from the page, and /favicon.ico answers', async ({ app, page }) => {
  await page.goto(app.url);
  const href = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(href).toBeTruthy();
  const linked = await fetch(new URL(href!, `${app.url}/`));
  expect(linked.status).toBe(200);
  expect(linked.headers.get('content-type')).toContain('image/svg+xml');
  const ico = await fetch(`${app.url}/favicon.ico`);
  expect(ico.status).toBe(200);
  expect(await ico.text()).toContain('<svg');
});

for (const theme of ['light', 'dark'] as const) {
  test(`the home page of a new install offers the sample datasets and in-app training (${theme})`, async ({ app, page }) => {
    await page.goto(app.url);
    await setTheme(page, theme);
    const start = page.getByTestId('runs-empty-start');
    await expect(start).toBeVisible();
    await expect(start).toContainText('sample dataset');
    await expect(start.getByRole('link', { name: 'New run' })).toHaveAttribute('href', '#/new-run');
    // The MLflow client path is still offered beside it.
    await expect(start.getByText(`MLFLOW_TRACKING_URI=${app.url}`)).toBeVisible();
    await shot(page, `home-empty-${theme}`);
    await start.getByRole('link', { name: 'Sample datasets' }).click();
    await expect(page).toHaveURL(/#\/datasets$/);
    await expect(page.getByTestId('sample-card').first()).toBeVisible();
  });
}
