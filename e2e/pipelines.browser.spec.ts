import { readFileSync } from 'node:fs';
import { appApi, expect, SERVER_POLL, setTheme, shot, test } from './serve-fixture.js';

/** Iris with every measurement nudged: the same task, and no row equal to a training row. */
function holdoutCsv(): string {
  const [header, ...rows] = readFileSync('resources/datasets/iris.csv', 'utf8').trim().split('\n');
  const nudged = rows.map((row) => {
    const cells = row.split(',');
    return [...cells.slice(0, 4).map((v) => (Number(v) + 0.05).toFixed(2)), cells[4]].join(',');
  });
  return `${header}\n${nudged.join('\n')}\n`;
}

test('a pipeline run started from the Pipelines page shows its chain, the champion/challenger comparison, the gates and the decision', async ({ page, app }) => {
  test.setTimeout(180_000);
  // A weak champion: two epochs at a crawl.
  await appApi(app, 'datasets.importSample', { name: 'iris' });
  const { runId } = await appApi<{ runId: string }>(app, 'training.start', {
    dataset: 'iris',
    target: 'species',
    experimentName: 'iris-models',
    runName: 'weak champion',
    backend: 'cpu',
    hyperparameters: { epochs: 2, hiddenUnits: [8], learningRate: 0.001, seed: 3 },
  });
  await expect.poll(async () => (await appApi<{ run: { status: string } }>(app, 'runs.get', { runId })).run.status, { timeout: 60_000, intervals: SERVER_POLL }).toBe('FINISHED');
  await appApi(app, 'models.register', { runId, name: 'iris-classifier' });
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  await appApi(app, 'datasets.upload', { name: 'iris-holdout', fileName: 'iris-holdout.csv', content: holdoutCsv() });
  // A bad policy is refused naming the field; a good one is stored.
  await expect(appApi(app, 'ct.policy.set', { model: 'iris-classifier', policy: { triggers: [], project: 'mlp', holdout: 'iris-holdout', metric: { name: 'accuracy', goal: 'maximize' } } })).rejects.toThrow(
    /triggers: /,
  );
  await appApi(app, 'ct.policy.set', {
    model: 'iris-classifier',
    policy: {
      triggers: [{ type: 'manual' }],
      project: 'mlp',
      holdout: 'iris-holdout@1',
      metric: { name: 'accuracy', goal: 'maximize' },
      margin: 0.05,
      qualityGates: [{ metric: 'accuracy', op: '>=', threshold: 0.7 }],
      autoApprove: true,
      parameters: { epochs: '60', learning_rate: '0.05' },
    },
  });

  await page.goto(`${app.url}/#/pipelines`);
  await expect(page.getByTestId('pipelines-page')).toContainText('No pipeline runs yet');
  // Run now sits on the model's row in the Policies card.
  await page.getByTestId('policies-table').getByRole('row', { name: /iris-classifier/ }).getByRole('button', { name: 'Run now' }).click();
  const detail = page.getByTestId('pipeline-detail');
  await expect(detail.getByTestId('pipeline-state')).toHaveText('promoted', { timeout: 120_000 });
  for (const step of ['trigger', 'data', 'train', 'evaluate', 'gate', 'promote']) await expect(detail.getByTestId(`pipeline-step-${step}`)).toContainText('succeeded');
  await expect(detail.getByTestId('pipeline-decision')).toContainText("Policy policy:iris-classifier promoted v2 to 'champion' (was v1)");
  const table = detail.getByTestId('pipeline-comparison-table');
  await expect(table).toContainText('Champion v1');
  await expect(table).toContainText('Challenger v2');
  await expect(table.locator('tbody tr').first()).toContainText('Accuracy');
  await expect(detail.getByTestId('pipeline-comparison-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  // Promoted: v2 is no challenger any more, so there is nothing to shadow-score.
  await expect(detail.getByTestId('pipeline-live')).toContainText('Live traffic: no shadow rows for v2');
  await expect(detail.getByTestId('pipeline-gates')).toContainText('PASS');
  await expect(detail.getByTestId('pipeline-gates')).toContainText('accuracy: challenger beats champion by 0.05');
  // The evaluate step's log is shown first; another step's on click.
  await expect(detail.getByTestId('pipeline-step-log')).toContainText('scoring the challenger (version 2) on iris-holdout@1');
  await detail.getByTestId('pipeline-step-data').click();
  await expect(detail.getByTestId('pipeline-step-log')).toContainText('registered dataset ct-iris-classifier@1');
  // The train step ran the built-in MLP project as its job: the champion's target, the policy's epochs, the data step's version.
  await detail.getByTestId('pipeline-step-train').click();
  const project = detail.getByTestId('pipeline-train-project');
  await expect(project).toContainText('Project mlp · entry point main');
  await expect(project.locator('.pipeline-command')).toContainText(/\$ bash train\.sh --data \S+ct-iris-classifier-v1\.csv --target species --epochs 60 /);
  await expect(detail.getByTestId('pipeline-step-log')).toContainText('epochs = 60 (policy)');
  await expect(detail.getByTestId('pipeline-step-log')).toContainText('target = species (champion)');
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, theme === 'light' ? 'pipelines-train' : 'pipelines-train-dark');
  }
  await setTheme(page, 'light');
  await detail.getByTestId('pipeline-step-evaluate').click();

  // The registry agrees: v2 is champion, by the policy.
  const history = await appApi<{ entries: Array<{ alias: string; toVersion: string | null; actorIdentity: string }> }>(app, 'models.aliasHistory', { name: 'iris-classifier' });
  expect(history.entries[0]).toMatchObject({ alias: 'challenger', toVersion: null, actorIdentity: 'policy:iris-classifier' });
  expect(history.entries[1]).toMatchObject({ alias: 'champion', toVersion: '2', actorIdentity: 'policy:iris-classifier' });

  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, theme === 'light' ? 'pipelines' : 'pipelines-dark');
  }
  await setTheme(page, 'light');
});
