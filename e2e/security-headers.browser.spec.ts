import type { Page } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './serve-fixture.js';

// The tests read the server's headers and their own pages only: one server for the file.
test.use({ shareServer: true });

// A 1×1 PNG: enough for the image preview, which loads it from /app-files.
const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

interface Violation {
  directive: string;
  blocked: string;
}

/** Records every CSP violation the page reports, from before its first script runs (e2e code has no DOM types, hence the string). */
async function watchViolations(page: Page): Promise<() => Promise<Violation[]>> {
  await page.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI }));`,
  });
  return () => page.evaluate('window.__cspViolations') as Promise<Violation[]>;
}

test('the UI works under its CSP: no violation on the main views, artifact images included', async ({ app, page }) => {
  const { experiment_id } = await app.api<{ experiment_id: string }>('experiments/create', { name: 'csp' });
  const { run } = await app.api<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id, run_name: 'with-image' });
  const runId = run.info.run_id;
  const put = await fetch(`${app.url}/api/2.0/mlflow-artifacts/artifacts/${experiment_id}/${runId}/artifacts/pixel.png`, { method: 'PUT', body: PIXEL_PNG });
  expect(put.status).toBe(200);

  const violations = await watchViolations(page);
  const response = await page.goto(app.url);
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await expect(page.getByText('with-image')).toBeVisible();

  await page.goto(`${app.url}/#/runs/${runId}?tab=artifacts`);
  await page.getByRole('tree', { name: 'Artifacts' }).getByRole('treeitem', { name: /pixel\.png/ }).click();
  const image = page.getByTestId('artifact-preview').locator('img');
  await expect.poll(() => image.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBe(1);

  for (const hash of ['#/models', '#/datasets']) {
    await page.goto(`${app.url}/${hash}`);
    await expect(page.locator('#root')).not.toBeEmpty();
  }
  // Nothing is blocked, eval included: zod runs jitless, so it no longer probes `new Function`.
  expect(await violations()).toEqual([]);
});

test('another site cannot frame the UI', async ({ app, page }) => {
  // The attacker's page, on an origin of its own.
  const site = createServer((_request, response) => response.setHeader('content-type', 'text/html').end(`<iframe id="app" src="${app.url}/" width="600" height="400"></iframe>`));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = site.address() as AddressInfo;
    // goto resolves on the load event, which waits for the iframe to load or be refused.
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(await page.frameLocator('#app').locator('#root').count()).toBe(0);
  } finally {
    await new Promise((resolve) => site.close(resolve));
  }
});
