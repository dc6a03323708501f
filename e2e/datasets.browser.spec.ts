import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, setTheme, shot, test } from './serve-fixture.js';

/** A small housing table; `drift` shifts sizes up, blanks some bedroom counts and adds a neighbourhood. */
function housesCsv(rows: number, drift: boolean): string {
  const hoods = drift ? ['north', 'south', 'river', 'harbour'] : ['north', 'south', 'river'];
  const lines = ['sqft,bedrooms,neighborhood,has_garage,listing_note,price'];
  for (let i = 0; i < rows; i++) {
    const sqft = Math.round(900 + ((i * 137) % 1600) + (drift ? 400 : 0));
    const bedrooms = drift && i % 5 === 0 ? '' : String(1 + (i % 4));
    const hood = hoods[i % hoods.length];
    const note = `Listing ${i}: ${['bright', 'quiet', 'renovated', 'corner'][i % 4]} unit no. ${i * 7}`;
    lines.push(`${sqft},${bedrooms},${hood},${i % 3 === 0},"${note}",${Math.round(sqft * 210 + (i % 7) * 5000)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function chooseFile(page: Page, name: string, content: string): Promise<void> {
  await page.getByLabel('Choose a CSV or JSONL file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
}

test('a new user imports the iris sample and sees its schema, histograms and class balance', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets`);
  await expect(page.getByTestId('datasets-empty')).toContainText('No datasets yet');
  await expect(page.getByTestId('sample-card')).toHaveCount(3);
  await setTheme(page, 'light');
  await shot(page, 'datasets-empty');

  await page.getByRole('button', { name: 'Import sample iris' }).click();
  const row = page.locator('[data-testid="dataset-row"][data-name="iris"]');
  await expect(row).toContainText('150');
  await expect(row.locator('td').nth(3)).toHaveText('5');
  await expect(page.locator('[data-testid="sample-card"][data-name="iris"]')).toContainText('Imported');
  await shot(page, 'datasets-list');

  await row.getByRole('link', { name: 'iris' }).click();
  await expect(page).toHaveURL(/#\/datasets\/iris$/);
  const datasetPage = page.getByTestId('dataset-page');
  await expect(datasetPage).toHaveAttribute('data-ref', 'iris@1');
  await expect(page.getByTestId('schema-row')).toHaveCount(5);
  await expect(page.locator('[data-testid="schema-row"][data-column="species"] [data-type]')).toHaveText('categorical');
  await expect(page.locator('[data-testid="schema-row"][data-column="sepal_length"] [data-type]')).toHaveText('numeric');

  const sha = (await (await fetch(`${app.url}/app-api/datasets.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ref":"iris"}' })).json()) as { value: { selected: { sha256: string } } };
  await expect(page.getByTestId('dataset-sha')).toContainText(sha.value.selected.sha256.slice(0, 16));

  // Every numeric column gets a histogram with its stored bins drawn as bars.
  const histogram = page.locator('[data-testid="column-card"][data-column="petal_length"] [data-testid="histogram"]');
  await expect(page.getByTestId('histogram')).toHaveCount(4);
  await expect(histogram).toHaveAttribute('data-bins', '20');
  await expect(histogram.locator('.recharts-bar-rectangle path').first()).toBeVisible();
  const species = page.locator('[data-testid="column-card"][data-column="species"] [data-testid="category-bars"] li');
  await expect(species).toHaveCount(3);
  await expect(species.first()).toContainText('50');
  await expect(species.first()).toContainText('33%');
  await shot(page, 'dataset-iris');

  await page.getByRole('link', { name: 'Train a model on this dataset' }).click();
  await expect(page).toHaveURL(/#\/new-run\?dataset=iris@1$/);
});

test('an uploaded CSV becomes a dataset; changed content under the same name becomes version 2', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets`);
  await chooseFile(page, 'house prices.csv', housesCsv(60, false));
  // The name follows the file, made valid the way the CLI does it.
  await expect(page.getByLabel('Dataset name')).toHaveValue('house-prices');
  await expect(page.getByTestId('upload-name-hint')).toHaveText('Creates a new dataset.');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('Imported house-prices@1: 60 rows × 6 columns.');
  await expect(page.locator('[data-testid="dataset-row"][data-name="house-prices"]')).toBeVisible();

  await chooseFile(page, 'house prices.csv', housesCsv(80, true));
  await expect(page.getByTestId('upload-name-hint')).toContainText('Adds a version to house-prices (now v1)');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('Imported house-prices@2: 80 rows');
  await expect(page.locator('[data-testid="dataset-row"][data-name="house-prices"] td').nth(5)).toHaveText('2');

  // The same bytes again store nothing new.
  await chooseFile(page, 'house prices.csv', housesCsv(80, true));
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('Nothing new: these bytes are already house-prices@2.');

  await page.getByTestId('upload-outcome').getByRole('link', { name: 'Open house-prices@2' }).click();
  const picker = page.getByLabel('Version');
  await expect(picker.locator('option')).toHaveCount(2);
  await expect(picker.locator('option').nth(0)).toContainText('v2 (latest)');
  await expect(picker.locator('option').nth(0)).toContainText('80 rows');
  await expect(picker.locator('option').nth(1)).toContainText('v1');
  await expect(picker.locator('option').nth(1)).toContainText('60 rows');

  // Against v1: more rows, larger houses, blank bedroom counts and a new neighbourhood.
  await expect(page.getByTestId('diff-summary')).toContainText('Compared with v1: +20 rows');
  await expect(page.locator('[data-testid="schema-row"][data-column="neighborhood"]')).toContainText('new: harbour');
  await expect(page.locator('[data-testid="schema-row"][data-column="bedrooms"]')).toContainText('nulls 0% → 20%');
  await expect(page.locator('[data-testid="column-card"][data-column="sqft"] [data-testid="delta-note"]')).toContainText('mean');
  await expect(page.locator('[data-testid="schema-row"][data-column="listing_note"] [data-type]')).toHaveText('text');
  await expect(page.locator('[data-testid="schema-row"][data-column="has_garage"] [data-type]')).toHaveText('boolean');
  await setTheme(page, 'light');
  await shot(page, 'dataset-version-2');

  await picker.selectOption('1');
  await expect(page).toHaveURL(/#\/datasets\/house-prices@1$/);
  await expect(page.getByTestId('dataset-page')).toHaveAttribute('data-ref', 'house-prices@1');
  await expect(page.getByText('Not the latest: v2 exists')).toBeVisible();
  await expect(page.getByTestId('diff-summary')).toHaveCount(0);
});

test('a malformed file gets an inline error naming the problem and its line', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets`);
  await chooseFile(page, 'broken.csv', 'id,height,weight\n1,180,75\n2,165\n3,170,68\n');
  await page.getByRole('button', { name: 'Upload' }).click();
  const error = page.getByTestId('upload-error');
  await expect(error).toContainText('broken.csv: line 3: ragged row: it has 2 fields but the header has 3');
  // The server's temporary copy is an implementation detail the user never saw.
  await expect(error).not.toContainText('mldesk-upload');
  await setTheme(page, 'light');
  await shot(page, 'datasets-upload-error');
  await expect(page.getByTestId('datasets-empty')).toBeVisible();

  await page.getByRole('button', { name: 'Cancel' }).click();
  await chooseFile(page, 'notes.txt', 'hello');
  await expect(page.getByRole('alert').filter({ hasText: 'notes.txt: MLDesk reads .csv' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Upload' })).toHaveCount(0);
});

test('a drifted month uploaded as a new version shows what moved, in the dark theme', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets`);
  await page.getByRole('button', { name: 'Import sample synthetic-churn', exact: true }).click();
  await expect(page.locator('[data-testid="dataset-row"][data-name="synthetic-churn"]')).toBeVisible();
  await chooseFile(page, 'synthetic-churn.csv', readFileSync('resources/datasets/synthetic-churn-drifted.csv', 'utf8'));
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('Imported synthetic-churn@2');

  await page.goto(`${app.url}/#/datasets/synthetic-churn`);
  await expect(page.getByTestId('dataset-page')).toHaveAttribute('data-ref', 'synthetic-churn@2');
  await expect(page.getByTestId('diff-summary')).toContainText('changed notably');
  await expect(page.getByTestId('delta-note').first()).toBeVisible();
  await setTheme(page, 'dark');
  await shot(page, 'dataset-drift-dark');
});

test('a JSON lines file dropped on the upload box is imported with typed columns', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets`);
  const lines = ['{"user": "ada", "clicks": 3, "premium": true}', '{"user": "bob", "clicks": 5, "premium": false}', '{"user": "cy", "clicks": null, "premium": true}'].join('\n');
  const dataTransfer = await page.evaluateHandle((text) => {
    // Runs in the page; this project is compiled without the DOM library, hence the shapes spelled out.
    const dom = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
    const transfer = new dom.DataTransfer();
    transfer.items.add(new dom.File([text], 'click events.jsonl', { type: 'application/x-ndjson' }));
    return transfer;
  }, lines);
  await page.getByTestId('upload-box').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByLabel('Dataset name')).toHaveValue('click-events');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('Imported click-events@1: 3 rows × 3 columns.');

  await page.getByRole('link', { name: 'Open click-events@1' }).click();
  await expect(page.locator('[data-testid="schema-row"][data-column="clicks"] [data-type]')).toHaveText('integer');
  await expect(page.locator('[data-testid="schema-row"][data-column="clicks"]')).toContainText('33%');
  await expect(page.locator('[data-testid="schema-row"][data-column="premium"] [data-type]')).toHaveText('boolean');
  await expect(page.getByTestId('dataset-page')).toContainText('JSONL');
});

test('an unknown dataset or version gets a not-found page', async ({ page, app }) => {
  await page.goto(`${app.url}/#/datasets/nope@3`);
  await expect(page.getByTestId('dataset-not-found')).toContainText("No dataset named 'nope'");
});
