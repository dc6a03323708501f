import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electronBinary } from './electron-binary.js';
import { buildBundleFixture } from '../tests/fixtures/bundles.js';

const binary = electronBinary();

test.describe('Electron: a bundle given on the command line (a double-click on Windows/Linux)', () => {
  test.skip(binary === null, 'No Electron binary on this machine (its download is blocked); bundle-open.browser.spec.ts covers the same UI.');
  if (binary === null) console.log('[e2e:electron] bundle-open skipped: no Electron binary installed (optional dependency could not download it).');

  test('opens the bundle read-only in a window of its own, beside the main window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mldesk-electron-bundle-'));
    const bundle = await buildBundleFixture(dir, { runs: 2, metrics: 1, steps: 20 });
    const app = await electron.launch({ executablePath: binary!, args: ['dist/electron/main/index.js', bundle.file], env: { ...process.env, MLDESK_HOME: join(dir, 'home') } });
    try {
      // The main window, the bundle's, and (a few seconds on) a hidden spare for the next bundle (bundle-windows.ts).
      const bundleWindows = async () => {
        const windows = app.windows();
        const titles = await Promise.all(windows.map((w) => w.title()));
        return windows.filter((_w, i) => titles[i]!.includes('(read-only)'));
      };
      await expect.poll(async () => (await bundleWindows()).length, { timeout: 30_000 }).toBe(1);
      const [bundleWindow] = await bundleWindows();
      await expect(bundleWindow!.getByTestId('bundle-banner')).toContainText('signed by ada@lab');
      // No preload in a bundle window: its API calls go to the bundle's server, not the user's store.
      expect(await bundleWindow!.evaluate(() => typeof (globalThis as Record<string, unknown>).mldesk)).toBe('undefined');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
