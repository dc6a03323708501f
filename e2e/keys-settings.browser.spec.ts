import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningIdentity } from '../electron/core/bundles/signing-identity.js';
import { appApi, expect, setTheme, shot, test } from './serve-fixture.js';

/**
 * The settings page's signing key card: this installation's fingerprint (with a copy button, the
 * same key `mldesk keys show` prints from the data dir) and the trusted keys, added and removed.
 */
test('settings show the signing key, copy its fingerprint, and trust and remove a key', async ({ page, app, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const elsewhere = mkdtempSync(join(tmpdir(), 'mldesk-alice-'));
  const alice = loadSigningIdentity(elsewhere, 'alice@laptop');
  rmSync(elsewhere, { recursive: true, force: true });

  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${app.url}/#/`);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/#\/settings$/);
  const card = page.getByTestId('signing-key-card');
  const fingerprint = card.getByTestId('own-fingerprint');
  await expect(fingerprint).toHaveText(/^SHA256:[A-Za-z0-9+/]{43}$/);
  // The key the page shows is the data dir's own key file.
  const own = loadSigningIdentity(app.dataDir);
  await expect(fingerprint).toHaveText(own.signer.fingerprint);
  await expect(card.getByTestId('own-public-key')).toHaveText(own.signer.publicKey);
  await expect(card).toContainText(join(app.dataDir, 'keys', 'signing-key.pem'));

  await card.getByTestId('copy-fingerprint').click();
  await expect(card.getByTestId('copy-fingerprint')).toHaveText('Copied');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(own.signer.fingerprint);

  await expect(card).toContainText('No trusted keys yet');
  const name = card.getByRole('textbox', { name: 'Name' });
  const key = card.getByRole('textbox', { name: 'Public key' });
  const trust = card.getByRole('button', { name: 'Trust key' });
  await name.fill('Alice');
  await key.fill('not-a-key');
  await trust.click();
  await expect(card.getByRole('alert')).toContainText("Invalid value for 'key': not an Ed25519 public key");
  await expect(card.getByTestId('trusted-key')).toHaveCount(0);

  await key.fill(` ${alice.signer.publicKey} `);
  await trust.click();
  const rows = card.getByTestId('trusted-key');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Alice');
  await expect(rows.first()).toContainText(alice.signer.fingerprint);
  await expect(name).toHaveValue('');
  const listed = await appApi<{ keys: Array<{ name: string; fingerprint: string }> }>(app, 'keys.list', {});
  expect(listed.keys.map((k) => [k.name, k.fingerprint])).toEqual([['Alice', alice.signer.fingerprint]]);

  await name.fill('Alice again');
  await key.fill(alice.signer.publicKey);
  await trust.click();
  await expect(card.getByRole('alert')).toContainText(`The key ${alice.signer.fingerprint} is already trusted as 'Alice'.`);
  await name.fill('');
  await key.fill('');

  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await shot(page, `settings-signing-key-${theme}`);
  }
  await setTheme(page, 'light');

  await rows.first().getByRole('button', { name: 'Remove Alice' }).click();
  const dialog = page.getByRole('dialog', { name: 'Stop trusting Alice?' });
  await expect(dialog).toContainText(alice.signer.fingerprint);
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(rows).toHaveCount(0);
  await expect(card).toContainText('No trusted keys yet');
  expect((await appApi<{ keys: unknown[] }>(app, 'keys.list', {})).keys).toEqual([]);
});
