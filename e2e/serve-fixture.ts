import { test as base, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServedApp {
  url: string;
  dataDir: string;
  /** Calls the MLflow tracking API of this server (used to seed data the way clients would). */
  api<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T>;
}

async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/mldesk.js', 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mldesk serve exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const match = /^MLDesk listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return { child, url };
}

/** Each test gets its own `mldesk serve` process with a fresh data directory. */
export const test = base.extend<{ app: ServedApp }>({
  // Playwright reads the fixture's dependencies from this destructuring pattern; this one has none.
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-'));
    const { child, url } = await startServe(dataDir);
    const api = async <T,>(path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}/api/2.0/mlflow/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    await use({ url, dataDir, api });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

/** Calls the app API the UI uses (POST /app-api/<operation>); throws with the server's message on a refusal. */
export async function appApi<T>(app: ServedApp, operation: string, input: unknown): Promise<T> {
  const response = await fetch(`${app.url}/app-api/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const result = (await response.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!result.ok) throw new Error(`${operation}: ${result.error.message}`);
  return result.value;
}

export const SCREENSHOTS = 'e2e/screenshots';

/** A full-page screenshot from the top: scrolled, the sticky top bar would land mid-page. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.locator('html').evaluate((root) => root.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Picks the UI theme from the top bar's Theme select. */
export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
}
