import { test as base, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServedApp {
  url: string;
  dataDir: string;
  /** With a `serveToken`: the login URL the server printed at start; null otherwise. */
  loginUrl: string | null;
  /** Headers API calls from the test carry (the bearer token of a token server). */
  authHeaders: Record<string, string>;
  /** Calls the MLflow tracking API of this server (used to seed data the way clients would). */
  api<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T>;
}

async function startServe(dataDir: string, token: string | undefined): Promise<{ child: ChildProcess; url: string; loginUrl: string | null }> {
  const child = spawn(process.execPath, ['bin/mldesk.js', 'serve', '--port', '0', '--data-dir', dataDir, ...(token === undefined ? [] : ['--token', token])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let url: string | undefined;
  const started = await new Promise<{ url: string; loginUrl: string | null }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mldesk serve exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const listening = /^MLDesk listening on (http:\/\/\S+)/.exec(line);
      if (listening) url = listening[1]!;
      // A token server prints its login URL after the data directory line.
      const login = /^Open the UI \(logs in with token '[^']+'\): (\S+)$/.exec(line);
      if (url && login) resolve({ url, loginUrl: login[1]! });
      else if (url && token === undefined && line.startsWith('Data directory:')) resolve({ url, loginUrl: null });
    });
  });
  return { child, ...started };
}

type Served = ServedApp & { stop(): Promise<void> };

async function serve(serveToken: string | undefined): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mldesk-e2e-'));
  const { child, url, loginUrl } = await startServe(dataDir, serveToken);
  const authHeaders: Record<string, string> = serveToken === undefined ? {} : { authorization: `Bearer ${serveToken}` };
  const api = async <T,>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/2.0/mlflow/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? authHeaders : { ...authHeaders, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, dataDir, loginUrl, authHeaders, api, stop };
}

/**
 * The server the tests of one spec file share (`test.use({ shareServer: true })`): a worker runs
 * its files one after the other, so the server of the previous file is stopped when the next file
 * starts, and the last one when the worker ends.
 */
class FileServer {
  private current: { file: string; token: string | undefined; served: Promise<Served> } | undefined;

  async for(file: string, token: string | undefined): Promise<Served> {
    if (this.current && (this.current.file !== file || this.current.token !== token)) await this.stop();
    this.current ??= { file, token, served: serve(token) };
    return this.current.served;
  }

  async stop(): Promise<void> {
    const served = this.current?.served;
    this.current = undefined;
    if (served) await (await served).stop();
  }
}

/**
 * Each test gets its own `mldesk serve` process with a fresh data directory; `test.use({ serveToken })`
 * starts it with `--token`. A spec file whose tests do not need an empty store sets
 * `test.use({ shareServer: true })`: its tests then share one server (about 2 s of CPU saved per
 * test on CI), so each test makes its own experiments, models and datasets under unique names.
 */
export const test = base.extend<{ app: ServedApp; serveToken: string | undefined; shareServer: boolean }, { fileServer: FileServer }>({
  serveToken: [undefined, { option: true }],
  shareServer: [false, { option: true }],
  fileServer: [
    // Playwright reads a fixture's dependencies from its first parameter: this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const fileServer = new FileServer();
      await use(fileServer);
      await fileServer.stop();
    },
    { scope: 'worker' },
  ],
  app: async ({ serveToken, shareServer, fileServer }, use, testInfo) => {
    if (shareServer) {
      await use(await fileServer.for(testInfo.file, serveToken));
      return;
    }
    const served = await serve(serveToken);
    await use(served);
    await served.stop();
  },
});

/** A name no other test of a spec file sharing one server uses: `base-N`, N counting per worker. */
let uniqueNames = 0;
export function unique(base: string): string {
  return `${base}-${++uniqueNames}`;
}

export { expect } from '@playwright/test';

/** Calls the app API the UI uses (POST /app-api/<operation>); throws with the server's message on a refusal. */
export async function appApi<T>(app: ServedApp, operation: string, input: unknown): Promise<T> {
  const response = await fetch(`${app.url}/app-api/${operation}`, {
    method: 'POST',
    headers: { ...app.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const result = (await response.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!result.ok) throw new Error(`${operation}: ${result.error.message}`);
  return result.value;
}

export const SCREENSHOTS = 'e2e/screenshots';

/**
 * expect.poll intervals for waiting on the server (a training, a deployment): its default steps up
 * to one poll a second, so a run that ends just after a poll costs the test up to a second more.
 */
export const SERVER_POLL = [100, 250];

/**
 * CI looks at no picture: captures cost ~0.5 s each under load, ~150 per run. Set
 * E2E_SCREENSHOTS=1 to take them under CI=true as well.
 */
const screenshotsWanted = !process.env.CI || Boolean(process.env.E2E_SCREENSHOTS);

/** A full-page screenshot from the top: scrolled, the sticky top bar would land mid-page. */
export async function shot(page: Page, name: string): Promise<void> {
  if (!screenshotsWanted) return;
  await page.locator('html').evaluate((root) => root.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** A screenshot of the page or of one part of it, to `path`; skipped under CI as `shot` is. */
export async function snap(target: Page | Locator, path: string, options: { fullPage?: boolean; clip?: { x: number; y: number; width: number; height: number } } = {}): Promise<void> {
  if (!screenshotsWanted) return;
  if ('goto' in target) await target.screenshot({ path, ...options });
  else await target.screenshot({ path });
}

/** Picks the UI theme from the top bar's Theme select. */
export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByLabel('Theme').selectOption(theme);
}
