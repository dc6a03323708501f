import type { Page } from '@playwright/test';
import { createExperiment, seedRuns } from './seed-runs.js';
import { expect, snap, test } from './serve-fixture.js';

const SCREENSHOTS = 'e2e/screenshots';
const hour = 3_600_000;

const sidebar = (page: Page) => page.getByRole('complementary', { name: 'Experiments' });

test('opens the most recent experiment and shows run counts in the sidebar', async ({ app, page }) => {
  const older = await createExperiment(app, 'baseline-2023');
  const recent = await createExperiment(app, 'churn-model');
  await seedRuns(app, older, [{ name: 'old', startTime: Date.now() - 48 * hour, status: 'FINISHED' }]);
  await seedRuns(app, recent, [
    { name: 'mlp-0', startTime: Date.now() - 2 * hour, status: 'FINISHED' },
    { name: 'mlp-1', startTime: Date.now() - hour, status: 'FINISHED' },
  ]);

  await page.goto(app.url);
  await expect(page).toHaveURL(new RegExp(`#/experiments/${recent}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('churn-model');
  const current = sidebar(page).getByRole('link', { name: /churn-model/ });
  await expect(current).toHaveAttribute('aria-current', 'page');
  await expect(current).toContainText('2 runs');
  await expect(sidebar(page).getByRole('link', { name: /baseline-2023/ })).toContainText('1 run');

  await sidebar(page).getByRole('link', { name: /baseline-2023/ }).click();
  await expect(page).toHaveURL(new RegExp(`#/experiments/${older}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('baseline-2023');
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-total', '1');
  await snap(page, `${SCREENSHOTS}/experiments-list.png`);
});

test('creates an experiment inline, refusing an empty or taken name', async ({ app, page }) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Default');

  await sidebar(page).getByRole('button', { name: 'New' }).click();
  const name = sidebar(page).getByLabel('Experiment name');
  await name.press('Enter');
  await expect(sidebar(page).getByRole('alert')).toHaveText('Enter a name.');
  await expect(name).toHaveAttribute('aria-invalid', 'true');

  await name.fill('Default');
  await name.press('Enter');
  await expect(sidebar(page).getByRole('alert')).toContainText("Experiment 'Default' already exists");
  await snap(page, `${SCREENSHOTS}/experiments-create-error.png`);

  await name.fill('fraud-detector');
  await name.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('fraud-detector');
  await expect(page).toHaveURL(/#\/experiments\/\d+$/);
  await expect(sidebar(page).getByRole('link', { name: /fraud-detector/ })).toHaveAttribute('aria-current', 'page');
  await expect(name).toBeHidden();
  // A new experiment tells the user how to log to it.
  await expect(page.getByText('No runs here yet.')).toBeVisible();
  await expect(page.getByText(`MLFLOW_TRACKING_URI=${app.url}`)).toBeVisible();
  await snap(page, `${SCREENSHOTS}/experiments-created-empty.png`);
});

test('renames inline: Escape cancels, Enter saves, a taken name is refused', async ({ app, page }) => {
  await createExperiment(app, 'taken');
  const id = await createExperiment(app, 'draft-name');
  await page.goto(`${app.url}/#/experiments/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('draft-name');

  await sidebar(page).getByRole('link', { name: /draft-name/ }).hover();
  await sidebar(page).getByRole('button', { name: 'Rename draft-name' }).click();
  const field = sidebar(page).getByLabel('New name for draft-name');
  await field.fill('discarded');
  await field.press('Escape');
  await expect(field).toBeHidden();
  await expect(sidebar(page).getByRole('link', { name: /draft-name/ })).toBeVisible();

  await sidebar(page).getByRole('button', { name: 'Rename draft-name' }).click();
  await field.fill('taken');
  await field.press('Enter');
  await expect(sidebar(page).getByRole('alert')).toContainText('already exists');
  await field.fill('sentiment-bert');
  await field.press('Enter');
  await expect(field).toBeHidden();
  await expect(sidebar(page).getByRole('link', { name: /sentiment-bert/ })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('sentiment-bert');

  // The new name is the server's, not just the screen's.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('sentiment-bert');
  await snap(page, `${SCREENSHOTS}/experiments-renamed.png`);
});

test('searches experiments by name and says when nothing matches', async ({ app, page }) => {
  for (const name of ['vision-resnet', 'vision-vit', 'nlp-bert']) await createExperiment(app, name);
  await page.goto(app.url);
  const links = sidebar(page).getByRole('listitem');
  await expect(links).toHaveCount(4);

  const search = sidebar(page).getByLabel('Search experiments');
  await search.fill('VISION');
  await expect(links).toHaveCount(2);
  await expect(sidebar(page)).not.toContainText('nlp-bert');
  await snap(page, `${SCREENSHOTS}/experiments-search.png`);

  await search.fill('audio');
  await expect(links).toHaveCount(0);
  await expect(sidebar(page)).toContainText('No experiment name contains “audio”');
  await sidebar(page).getByRole('button', { name: 'Clear search' }).click();
  await expect(links).toHaveCount(4);
});

test('deletes an experiment after a confirmation that counts its runs', async ({ app, page }) => {
  const keep = await createExperiment(app, 'keep-me');
  await seedRuns(app, keep, [{ name: 'k', startTime: Date.now() - 10 * hour }]);
  const doomed = await createExperiment(app, 'scratch');
  await seedRuns(app, doomed, [0, 1, 2].map((i) => ({ name: `s-${i}`, startTime: Date.now() - i * 1000 })));

  await page.goto(`${app.url}/#/experiments/${doomed}`);
  await expect(page.getByTestId('runs-table')).toHaveAttribute('data-total', '3');
  await sidebar(page).getByRole('link', { name: /scratch/ }).hover();
  await sidebar(page).getByRole('button', { name: 'Delete scratch' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('3 runs will be deleted with it');
  await snap(page, `${SCREENSHOTS}/experiments-delete-confirm.png`);

  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(sidebar(page).getByRole('link', { name: /scratch/ })).toBeVisible();

  await sidebar(page).getByRole('button', { name: 'Delete scratch' }).click();
  await page.getByRole('dialog').getByRole('button', { name: /Delete experiment/ }).click();
  await expect(sidebar(page).getByRole('link', { name: /scratch/ })).toHaveCount(0);
  // The deleted experiment was open, so the most recent remaining one opens instead.
  await expect(page).toHaveURL(new RegExp(`#/experiments/${keep}$`));
  const { experiment } = await app.api<{ experiment: { lifecycle_stage: string } }>(`experiments/get?experiment_id=${doomed}`);
  expect(experiment.lifecycle_stage).toBe('deleted');

  // The default experiment cannot be deleted, and the button says so rather than failing.
  await expect(sidebar(page).getByRole('button', { name: 'Delete Default' })).toBeDisabled();
});

test('an experiment created by a client appears in the sidebar without a reload', async ({ app, page }) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Default');
  const id = await createExperiment(app, 'from-python');
  await expect(sidebar(page).getByRole('link', { name: /from-python/ })).toContainText('0 runs');
  await seedRuns(app, id, [{ name: 'first', startTime: Date.now() }]);
  await expect(sidebar(page).getByRole('link', { name: /from-python/ })).toContainText('1 run');
});
