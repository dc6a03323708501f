import type { Page } from '@playwright/test';
import { expect, setTheme, shot, test } from './serve-fixture.js';

/** The policy as the server stored it, asked the way the page asks (same session). */
async function storedPolicy(page: Page, model: string): Promise<{ value: { policy: { autoApprove: boolean; margin: number } | null } }> {
  return page.evaluate(async (name) => {
    const response = await fetch('/app-api/ct.policy.get', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: name }) });
    return (await response.json()) as { value: { policy: { autoApprove: boolean; margin: number } | null } };
  }, model);
}

test('a model gets a continuous-training policy from the Pipelines page: refused by field, saved, edited, and run from its row', async ({ page, app }) => {
  await app.api('registered-models/create', { name: 'churn' });
  await app.api('registered-models/create', { name: 'fraud' });

  await page.goto(`${app.url}/#/pipelines`);
  const card = page.getByTestId('policies-card');
  await expect(card.getByTestId('policies-empty')).toHaveText('No model has a policy yet: pick one above and press New policy.');
  await card.getByTestId('policy-new-model').selectOption('fraud');
  await card.getByRole('button', { name: 'New policy' }).click();
  const editor = card.getByTestId('policy-editor');
  const yaml = editor.getByRole('textbox');
  await expect(yaml).toHaveValue(/^# Continuous-training policy for fraud\./);

  // Not YAML at all, then YAML with a bad field: each refused, saying where, and nothing stored.
  await yaml.fill('triggers: [\n');
  await editor.getByRole('button', { name: 'Save policy' }).click();
  await expect(editor.getByTestId('policy-error')).toContainText('Not valid YAML');
  await yaml.fill('triggers:\n  - {type: labelled_rows, count: 0}\nproject: mlp\nholdout: fraud-holdout@1\nmetric: {name: auc, goal: maximize}\nmargin: -0.5\n');
  await editor.getByRole('button', { name: 'Save policy' }).click();
  await expect(editor.getByTestId('policy-error')).toContainText('triggers[0].count');
  await expect(editor.getByTestId('policy-error')).toContainText('margin');
  await setTheme(page, 'light');
  await shot(page, 'ct-policy-editor-error-light');
  await setTheme(page, 'dark');
  await shot(page, 'ct-policy-editor-error-dark');
  expect((await storedPolicy(page, 'fraud')).value.policy).toBeNull();

  await yaml.fill(
    'triggers:\n  - {type: labelled_rows, count: 500}\n  - {type: schedule, everyMinutes: 1440}\nproject: mlp\nholdout: fraud-holdout@1\nmetric: {name: auc, goal: maximize}\nmargin: 0.02\nqualityGates:\n  - {metric: auc, op: ">=", threshold: 0.8}\n',
  );
  await editor.getByRole('button', { name: 'Save policy' }).click();
  await expect(editor).toBeHidden();
  const row = card.getByTestId('policies-table').locator('tr[data-model="fraud"]');
  await expect(row).toContainText('500 new labelled rows, every 24 h');
  await expect(row).toContainText('auc ↑ by ≥ 0.02 on fraud-holdout@1');
  await expect(row).toContainText('auc >= 0.8');
  await expect(row).toContainText('after a review → champion');
  // The other model can still get one; the one with a policy is no longer offered.
  await expect(card.getByTestId('policy-new-model').locator('option')).toHaveText(['churn']);

  // Edit shows the stored policy, defaults filled in; a change is saved whole.
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(yaml).toHaveValue(/autoApprove: false/);
  await yaml.fill((await yaml.inputValue()).replace('autoApprove: false', 'autoApprove: true'));
  await editor.getByRole('button', { name: 'Save policy' }).click();
  await expect(row).toContainText('automatic → champion');
  expect((await storedPolicy(page, 'fraud')).value.policy).toMatchObject({ autoApprove: true, margin: 0.02 });

  await setTheme(page, 'light');
  await shot(page, 'ct-policies-light');
  await setTheme(page, 'dark');
  await shot(page, 'ct-policies-dark');

  // Run now from the row: fraud has no champion yet, so the run fails at its trigger step, saying why.
  await row.getByRole('button', { name: 'Run now' }).click();
  const detail = page.getByTestId('pipeline-detail');
  await expect(detail.getByTestId('pipeline-state')).toHaveText('failed', { timeout: 30_000 });
  await expect(detail.getByTestId('pipeline-step-trigger')).toContainText('failed');
  await detail.getByTestId('pipeline-step-trigger').click();
  await expect(detail.getByTestId('pipeline-step-log')).toContainText("Model fraud has no 'champion' version");
});
