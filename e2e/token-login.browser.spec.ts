import type { Page } from '@playwright/test';
import { createExperiment, seedRuns } from './seed-runs.js';
import { expect, SCREENSHOTS, snap, test } from './serve-fixture.js';

const TOKEN = 'e2e-4b1d9c02f7a3';
test.use({ serveToken: TOKEN });

const sessionCookieOf = async (page: Page, port: string) => (await page.context().cookies()).find((c) => c.name === `mldesk-session-${port}`);

test('the login URL the server printed opens the UI, which lists experiments and follows runs live', async ({ app, page }) => {
  const experimentId = await createExperiment(app, 'churn-model');
  await seedRuns(app, experimentId, [{ name: 'baseline', startTime: Date.now() - 60_000, status: 'FINISHED', metrics: { accuracy: 0.81 } }]);
  expect(app.loginUrl).toBe(`${app.url}/login?token=${TOKEN}`);

  const events = page.waitForResponse((response) => response.url() === `${app.url}/app-api/events`);
  await page.goto(app.loginUrl!);
  // Redirected to the UI, and the token is no longer in the address bar.
  await expect(page).toHaveURL(new RegExp(`^${app.url}/#/experiments/${experimentId}$`));
  expect(page.url()).not.toContain(TOKEN);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('churn-model');
  await expect(page.getByRole('complementary', { name: 'Experiments' }).getByRole('link', { name: /churn-model/ })).toContainText('1 run');
  expect((await events).status()).toBe(200);

  const cookie = await sessionCookieOf(page, new URL(app.url).port);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  expect(cookie!.value).not.toContain(TOKEN);

  // A run logged by an MLflow client (bearer token) reaches the open page over the event stream.
  const table = page.getByTestId('runs-table');
  const [liveId] = await seedRuns(app, experimentId, [{ name: 'live-run', startTime: Date.now(), metrics: { accuracy: 0.5 } }]);
  const liveRow = table.locator(`[data-run-id="${liveId}"]`);
  await expect(liveRow).toContainText('Running');
  await app.api('runs/log-batch', { run_id: liveId, metrics: [{ key: 'accuracy', value: 0.975, timestamp: Date.now(), step: 5 }] });
  await expect(liveRow).toContainText('0.975');

  // The top bar names the token (what reviews are recorded under); logging out ends the session.
  await expect(page.getByTestId('session-badge')).toContainText('Signed in as token');
  await snap(page, `${SCREENSHOTS}/login-signed-in.png`, { clip: { x: 0, y: 0, width: 1280, height: 200 } });
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(`${app.url}/login`);
  await page.goto(app.url);
  await expect(page).toHaveURL(`${app.url}/login`);
});

test('a browser without a session gets the login page; a wrong pasted token is refused, the right one opens the UI', async ({ app, page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(app.url);
  await expect(page).toHaveURL(`${app.url}/login`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Token')).toBeFocused();
  await snap(page, `${SCREENSHOTS}/login-light.png`);

  await page.getByLabel('Token').fill('not-the-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That token is not valid for this server/);
  expect(await sessionCookieOf(page, new URL(app.url).port)).toBeUndefined();
  await page.emulateMedia({ colorScheme: 'dark' });
  await snap(page, `${SCREENSHOTS}/login-dark-error.png`);

  await page.getByLabel('Token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`^${app.url}/#/experiments/0$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Default');
  expect(await sessionCookieOf(page, new URL(app.url).port)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
});
