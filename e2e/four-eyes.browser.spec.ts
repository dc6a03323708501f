import { userInfo } from 'node:os';
import { createExperiment } from './seed-runs.js';
import { expect, SCREENSHOTS, setTheme, shot, snap, test } from './serve-fixture.js';

/** A token-less server records the OS user running it, who here is also the run's author. */
const ME = userInfo().username;

test("four-eyes, switched on from the model page, keeps the author's own approval from making a version champion", async ({ app, page }) => {
  const experimentId = await createExperiment(app, 'churn');
  const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: experimentId, user_id: ME, start_time: Date.now() });
  await app.api('registered-models/create', { name: 'churn-model' });
  await app.api('model-versions/create', { name: 'churn-model', source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });

  await page.goto(`${app.url}/#/models/churn-model`);
  const setting = page.getByTestId('four-eyes').getByRole('checkbox', { name: 'Reviewer must differ from the author' });
  await expect(setting).not.toBeChecked();
  await setting.click();
  await expect(setting).toBeChecked();
  await expect(page.getByTestId('version-authors')).toHaveText(`Author: ${ME} · four-eyes: their own approvals do not count towards champion`);

  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.getByTestId('review-dialog').getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('review')).toHaveCount(1);
  await expect(page.getByTestId('review').first()).toContainText(ME);

  // The author's approval is not enough: Promote says so up front, with the rule.
  await expect(page.getByRole('button', { name: 'Another reviewer must approve first' })).toBeDisabled();
  await expect(page.getByTestId('promote-blocked')).toContainText(`four-eyes review is on: a reviewer must differ from the version's author (${ME})`);
  await snap(page, `${SCREENSHOTS}/models-four-eyes-refused.png`);
  await setTheme(page, 'light');
  await shot(page, 'models-four-eyes');

  // Off again, the same approval is enough.
  await setting.click();
  await expect(setting).not.toBeChecked();
  await page.getByRole('button', { name: 'Promote to champion' }).click();
  const dialog = page.getByTestId('alias-dialog');
  await dialog.getByLabel(/^Reason/).fill('ship it');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByTestId('champion-tag')).toContainText('v1');
});
