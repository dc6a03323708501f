import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { registerIrisVersions } from './model-fixtures.js';
import { appApi, expect, SERVER_POLL, SCREENSHOTS, setTheme, snap, test } from './serve-fixture.js';

/** What a copied snippet prints when run as a user runs it (a shell for curl, node for JavaScript). */
const run = (command: string, args: string[]) => JSON.parse(execFileSync(command, args, { encoding: 'utf8', timeout: 20_000 })) as unknown;

test("a deployment's Call it snippets send a real training row and answer; refused requests are listed with reason and input", async ({ page, app }) => {
  await registerIrisVersions(app, 1);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  await page.goto(`${app.url}/#/models/iris-classifier`);
  const panel = page.getByTestId('deployment-panel');
  const deployment = panel.getByTestId('deployment');

  // No port given: the first free one from 8500.
  await expect(panel.getByLabel('Port')).toHaveValue('');
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(deployment).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  const url = (await deployment.getByTestId('deployment-url').textContent())!;
  expect(Number(new URL(url).port)).toBeGreaterThanOrEqual(8500);

  const example = deployment.getByTestId('call-example');
  await example.getByText('Call it').click();
  const snippet = example.getByTestId('call-snippet');
  await expect(snippet).toHaveAttribute('data-language', 'curl');
  await expect(example.getByTestId('call-example-source')).toContainText('A row of iris@1, the data v1 was trained on.');
  const curl = (await snippet.textContent())!;
  expect(curl).toContain(`curl -s '${url}/v1/models/iris-classifier:predict'`);
  const answered = run('sh', ['-c', curl]) as { predictions: Array<{ label: string; warnings?: unknown }>; model_version: string };
  expect(answered.model_version).toBe('1');
  expect(['setosa', 'versicolor', 'virginica']).toContain(answered.predictions[0]!.label);
  // A row it was trained on is inside the training range.
  expect(answered.predictions[0]!.warnings).toBeUndefined();

  await example.getByRole('tab', { name: 'JavaScript' }).click();
  await expect(snippet).toHaveAttribute('data-language', 'javascript');
  const js = (await snippet.textContent())!;
  // Without colours: the test runner's FORCE_COLOR would put escape codes into console.log's output.
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  const printed = execFileSync(process.execPath, ['--input-type=module', '-e', js], { encoding: 'utf8', timeout: 20_000, env });
  expect(printed).toMatch(/label: '(setosa|versicolor|virginica)'/);

  await example.getByRole('tab', { name: 'Python' }).click();
  await expect(snippet).toHaveAttribute('data-language', 'python');
  await expect(snippet).toContainText('requests.post(');
  await expect(snippet).toContainText('"petal_width": ');

  await example.getByRole('tab', { name: 'curl' }).click();
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await snap(panel, `${SCREENSHOTS}/deployment-call-it-${theme}.png`);
  }
  await setTheme(page, 'light');

  // Refused requests: a missing feature, a body that is not JSON. Newest first, with the reason and what was sent.
  const refusals = page.getByTestId('refusals-panel');
  await expect(refusals).toContainText('No request to this model was refused.');
  const predict = (body: string) => fetch(`${url}/v1/models/iris-classifier:predict`, { method: 'POST', body });
  expect((await predict(JSON.stringify({ instances: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4 }] }))).status).toBe(400);
  expect((await predict('sepal_length=5.1')).status).toBe(400);
  const rows = refusals.getByTestId('refusal');
  await expect(rows).toHaveCount(2, { timeout: 15_000 });
  await expect(rows.nth(0).getByTestId('refusal-reason')).toContainText('The request body is not valid JSON');
  await expect(rows.nth(0).getByTestId('refusal-input')).toHaveText('sepal_length=5.1');
  await expect(rows.nth(1).getByTestId('refusal-reason')).toHaveText("row 0, field 'petal_width': missing feature (send null for a missing value)");
  await expect(rows.nth(1).getByTestId('refusal-input')).toHaveText('{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4}');
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await snap(refusals, `${SCREENSHOTS}/refusals-panel-${theme}.png`);
  }
});

test('a deployment restarted on a port another program holds fails and says so in the panel, instead of moving', async ({ page, app }) => {
  await registerIrisVersions(app, 1);
  await appApi(app, 'models.review', { name: 'iris-classifier', version: '1', decision: 'approved' });
  await appApi(app, 'models.setAlias', { name: 'iris-classifier', alias: 'champion', version: '1', reason: 'first release' });
  await appApi(app, 'deployments.start', { model: 'iris-classifier' });
  let port = 0;
  await expect
    .poll(async () => {
      const { deployments } = await appApi<{ deployments: Array<{ state: string; port: number | null }> }>(app, 'deployments.list', {});
      port = deployments.find((d) => d.state === 'running')?.port ?? 0;
      return port;
    }, { timeout: 30_000, intervals: SERVER_POLL })
    .toBeGreaterThanOrEqual(8500);

  // The app launched again on the same data directory while that port is still held (here by the first launch).
  const again = spawn(process.execPath, ['bin/mldesk.js', 'serve', '--port', '0', '--data-dir', app.dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      again.once('exit', (code) => reject(new Error(`mldesk serve exited with ${code}`)));
      createInterface({ input: again.stdout! }).on('line', (line) => {
        const listening = /^MLDesk listening on (http:\/\/\S+)/.exec(line);
        if (listening) resolve(listening[1]!);
      });
    });
    await page.goto(`${url}/#/models/iris-classifier`);
    const deployment = page.getByTestId('deployment-panel').getByTestId('deployment');
    await expect(deployment).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
    await expect(deployment.getByRole('alert')).toHaveText(
      `Port ${port}, which this deployment had before the restart, is in use on 127.0.0.1 by another program. It was not moved to another port, so its clients do not silently lose it: free port ${port} and start it again on that port, or dismiss it and start it on another one.`,
    );
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await snap(page.getByTestId('deployment-panel'), `${SCREENSHOTS}/deployment-port-taken-${theme}.png`);
    }
  } finally {
    const exited = new Promise((resolve) => again.once('exit', resolve));
    again.kill('SIGTERM');
    await exited;
  }
});
