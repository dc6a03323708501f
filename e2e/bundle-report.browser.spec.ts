import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSignedArchive } from '../electron/core/bundles/archive-reader.js';
import { buildBundleFixture } from '../tests/fixtures/bundles.js';
import { SCREENSHOTS, snap } from './serve-fixture.js';

test('report.html reads offline: no request leaves the file, the runs table and a chart per metric render', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-report-'));
  try {
    const bundle = await buildBundleFixture(dir, { runs: 5, metrics: 3, steps: 5000, experimentName: 'churn <model> & "co"' });
    const reader = await openSignedArchive(bundle.file, { kind: 'bundle' });
    const html = (await reader.read('report.html')).toString('utf8');
    reader.close();
    // No tag loads or links anything outside the file (escaped text may name URLs: it is no tag).
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((tag) => /\b(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:[a-z]+:)?\/\//i.test(tag))).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    // The network is cut: anything but the file itself would fail and be recorded.
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(pathToFileURL(file).href);
    await expect(page.locator('h1')).toHaveText('churn <model> & "co"');
    await expect(page.locator('#runs tbody tr')).toHaveCount(5);
    await expect(page.locator('#runs tbody tr').first()).toContainText('run-001');
    await expect(page.locator('#runs thead')).toContainText('learning_rate');
    await expect(page.locator('figure[data-metric]')).toHaveCount(3);
    // One line per run, downsampled: 5,000 steps drawn with at most a few hundred points.
    const loss = page.locator('figure[data-metric="loss"] svg path');
    await expect(loss).toHaveCount(5);
    const points = await loss.first().evaluate((path) => (path.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length);
    expect(points).toBeGreaterThan(100);
    expect(points).toBeLessThanOrEqual(300);
    await expect(page.locator('.meta')).toContainText(`signed by ada@lab (${bundle.signer.fingerprint})`);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    await snap(page, `${SCREENSHOTS}/bundle-report-light.png`, { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await snap(page, `${SCREENSHOTS}/bundle-report-dark.png`, { fullPage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
