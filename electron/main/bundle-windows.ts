import { BrowserWindow, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { ARCHIVE_EXTENSIONS } from '../../shared/bundles.js';
import { BundleOpenError } from '../core/bundles/bundle-open.js';
import { sameOrigin } from '../core/http-guards.js';
import { startBundleServer } from '../server/bundle-server.js';
import { newLaunchSecret, windowRequestHeaders } from '../server/launch-secret.js';
import { uiContentSecurityPolicy } from '../server/ui-security.js';

/** The `.mldesk` paths in a command line (a double-click on Windows/Linux starts the app with the file). */
export function bundleArgs(argv: readonly string[]): string[] {
  return argv.filter((arg) => !arg.startsWith('-') && extname(arg).toLowerCase() === ARCHIVE_EXTENSIONS.bundle && existsSync(arg)).map((arg) => resolve(arg));
}

const open = new Map<string, { window: BrowserWindow; close(): Promise<void> }>();
let partitions = 0;

/** A bundle's window with its own in-memory session; `origin` is its bundle server's once that listens, `launchSecret` that server's. */
interface BundleWindow {
  window: BrowserWindow;
  origin: string | null;
  launchSecret: string;
}

/**
 * A hidden bundle window made ahead, its renderer process already started on about:blank, which the
 * next bundle opened takes: starting a renderer is most of what a new window costs (in the bench,
 * bench/bundle-open-bench.ts, the runs table is drawn ~1 s sooner on 2 cores). Never shown until taken.
 */
let spare: BundleWindow | null = null;

/** How long after the last bundle opened (or the app's own window showed) the next spare is made: it must not slow either down. */
const SPARE_DELAY_MS = 3000;
let spareTimer: NodeJS.Timeout | null = null;

function makeBundleWindow(): BundleWindow {
  const bundleSession = session.fromPartition(`bundle-${++partitions}`);
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 500,
    title: 'MLDesk bundle',
    show: false,
    webPreferences: { session: bundleSession, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
  });
  const made: BundleWindow = { window, origin: null, launchSecret: '' };
  // Until its bundle server listens the window has asked for nothing but about:blank.
  bundleSession.webRequest.onBeforeSendHeaders((details, callback) => {
    callback({ requestHeaders: made.origin ? windowRequestHeaders(details.url, details.requestHeaders, made.origin, made.launchSecret) : details.requestHeaders });
  });
  bundleSession.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (made.origin && sameOrigin(details.url, made.origin)) headers['Content-Security-Policy'] = [uiContentSecurityPolicy(made.origin)];
    callback({ responseHeaders: headers });
  });
  bundleSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!made.origin || !sameOrigin(url, made.origin)) event.preventDefault();
  });
  // The page sets its own title; the window keeps saying which bundle it shows.
  window.on('page-title-updated', (event) => event.preventDefault());
  return made;
}

/** Whether `window` is the hidden spare: no window of the user's (the app's window counts leave it out). */
export function isSpareBundleWindow(window: BrowserWindow): boolean {
  return spare !== null && spare.window === window;
}

/** Makes the spare bundle window SPARE_DELAY_MS from now, unless there is one. */
export function prepareSpareBundleWindow(): void {
  if (spareTimer) clearTimeout(spareTimer);
  spareTimer = setTimeout(() => {
    spareTimer = null;
    if (spare && !spare.window.isDestroyed()) return;
    spare = makeBundleWindow();
    void spare.window.loadURL('about:blank').catch(() => undefined);
  }, SPARE_DELAY_MS);
}

/** Drops the spare (the user's last window closed, or the app quits), so it keeps neither the app nor its memory. */
export function dropSpareBundleWindow(): void {
  if (spareTimer) clearTimeout(spareTimer);
  spareTimer = null;
  const dropped = spare;
  spare = null;
  if (dropped && !dropped.window.isDestroyed()) dropped.window.destroy();
}

function takeBundleWindow(): BundleWindow {
  const taken = spare && !spare.window.isDestroyed() ? spare : makeBundleWindow();
  spare = null;
  return taken;
}

/**
 * Opens a bundle read-only in a window of its own: `mldesk bundle open`'s server started in this
 * process on loopback with its own launch secret, in its own in-memory session. The window gets no
 * preload: the preload's IPC bridge serves the user's own data dir, so this window talks to the
 * bundle's server over HTTP, as a browser does. Closing the window closes the server and removes
 * the bundle's temp copy. A bundle already open is focused instead.
 *
 * The window (the spare, when there is one) loads the page as soon as the port listens, as
 * `mldesk bundle open`'s browser does: the page loads while the bundle's store is copied and checked
 * (its API calls are answered once the bundle is open). It shows once the page has loaded, and is
 * destroyed, with an error box, if the bundle is refused.
 */
export async function openBundleWindow(file: string, options: { homeDataDir: string; version: string }): Promise<void> {
  const path = resolve(file);
  const existing = open.get(path);
  if (existing && !existing.window.isDestroyed()) {
    existing.window.focus();
    return;
  }
  const made = takeBundleWindow();
  const launchSecret = newLaunchSecret();
  made.launchSecret = launchSecret;
  const { window } = made;
  window.setTitle(`${basename(path)} (read-only) — MLDesk`);
  const starting = startBundleServer({
    file: path,
    homeDataDir: options.homeDataDir,
    port: 0,
    version: options.version,
    launchSecret,
    onListening: (url) => {
      made.origin = url;
      if (window.isDestroyed()) return;
      // Shown once the page has loaded ('ready-to-show' fired already, for the spare's about:blank).
      const show = () => void (window.isDestroyed() || window.show());
      void window.loadURL(url).then(show, show);
    },
  });
  const server = starting.catch(() => null);
  const close = async () => void (await (await server)?.close());
  open.set(path, { window, close });
  window.on('closed', () => {
    if (open.get(path)?.window === window) open.delete(path);
    void close();
  });
  try {
    await starting;
  } catch (error) {
    if (!window.isDestroyed()) window.destroy();
    const message = error instanceof BundleOpenError ? error.message : `Unexpected error: ${(error as Error).message}`;
    dialog.showErrorBox(`Cannot open ${basename(path)}`, message);
  } finally {
    prepareSpareBundleWindow();
  }
}

/** File → Open…: picks a `.mldesk` file and opens it. */
export async function chooseAndOpenBundle(parent: BrowserWindow | undefined, options: { homeDataDir: string; version: string }): Promise<void> {
  const dialogOptions: Electron.OpenDialogOptions = {
    title: 'Open an experiment bundle',
    properties: ['openFile'],
    filters: [{ name: 'MLDesk bundles', extensions: [ARCHIVE_EXTENSIONS.bundle.slice(1)] }],
  };
  const picked = parent ? await dialog.showOpenDialog(parent, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
  if (picked.canceled) return;
  for (const file of picked.filePaths) await openBundleWindow(file, options);
}

/** Closes every bundle window's server and drops the spare (the app is quitting). */
export async function closeBundleWindows(): Promise<void> {
  dropSpareBundleWindow();
  const entries = [...open.values()];
  open.clear();
  await Promise.all(entries.map((entry) => entry.close()));
}
