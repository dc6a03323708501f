import { BrowserWindow, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { ARCHIVE_EXTENSIONS } from '../../shared/bundles.js';
import { BundleOpenError } from '../core/bundles/bundle-open.js';
import { sameOrigin } from '../core/http-guards.js';
import { startBundleServer, type RunningBundleServer } from '../server/bundle-server.js';
import { newLaunchSecret, windowRequestHeaders } from '../server/launch-secret.js';
import { uiContentSecurityPolicy } from '../server/ui-security.js';

/** The `.mldesk` paths in a command line (a double-click on Windows/Linux starts the app with the file). */
export function bundleArgs(argv: readonly string[]): string[] {
  return argv.filter((arg) => !arg.startsWith('-') && extname(arg).toLowerCase() === ARCHIVE_EXTENSIONS.bundle && existsSync(arg)).map((arg) => resolve(arg));
}

const open = new Map<string, { window: BrowserWindow; server: RunningBundleServer }>();
let partitions = 0;

/**
 * Opens a bundle read-only in a window of its own: `mldesk bundle open`'s server started in this
 * process on loopback with its own launch secret, in its own in-memory session. The window gets no
 * preload: the preload's IPC bridge serves the user's own data dir, so this window talks to the
 * bundle's server over HTTP, as a browser does. Closing the window closes the server and removes
 * the bundle's temp copy. A bundle already open is focused instead.
 */
export async function openBundleWindow(file: string, options: { homeDataDir: string; version: string }): Promise<void> {
  const path = resolve(file);
  const existing = open.get(path);
  if (existing && !existing.window.isDestroyed()) {
    existing.window.focus();
    return;
  }
  const launchSecret = newLaunchSecret();
  let server: RunningBundleServer;
  try {
    server = await startBundleServer({ file: path, homeDataDir: options.homeDataDir, port: 0, version: options.version, launchSecret });
  } catch (error) {
    const message = error instanceof BundleOpenError ? error.message : `Unexpected error: ${(error as Error).message}`;
    dialog.showErrorBox(`Cannot open ${basename(path)}`, message);
    return;
  }
  const bundleSession = session.fromPartition(`bundle-${++partitions}`);
  bundleSession.webRequest.onBeforeSendHeaders((details, callback) => {
    callback({ requestHeaders: windowRequestHeaders(details.url, details.requestHeaders, server.url, launchSecret) });
  });
  bundleSession.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (sameOrigin(details.url, server.url)) headers['Content-Security-Policy'] = [uiContentSecurityPolicy(server.url)];
    callback({ responseHeaders: headers });
  });
  bundleSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 500,
    title: `${basename(path)} (read-only) — MLDesk`,
    show: false,
    webPreferences: { session: bundleSession, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
  });
  open.set(path, { window, server });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!sameOrigin(url, server.url)) event.preventDefault();
  });
  // The page sets its own title; the window keeps saying which bundle it shows.
  window.on('page-title-updated', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    open.delete(path);
    void server.close();
  });
  await window.loadURL(server.url);
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

/** Closes every bundle window's server (the app is quitting). */
export async function closeBundleWindows(): Promise<void> {
  const servers = [...open.values()].map((entry) => entry.server);
  open.clear();
  await Promise.all(servers.map((server) => server.close()));
}
