import { app, BrowserWindow, session, shell } from 'electron';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppHandlers } from '../api/app-handlers.js';
import { startServer, type RunningServer } from '../cli/serve-command.js';
import { sameOrigin } from '../core/http-guards.js';
import { newLaunchSecret, windowRequestHeaders } from '../server/launch-secret.js';
import { uiContentSecurityPolicy } from '../server/ui-security.js';
import { installMenu } from './app-menu.js';
import { setDefaultWorkerLauncher } from '../core/training/worker-process.js';
import { registerIpc } from './ipc.js';
import { utilityLauncher } from './utility-worker.js';
import { loadWindowState, trackWindowState } from './window-state.js';
import { bundleArgs, chooseAndOpenBundle, closeBundleWindows, dropSpareBundleWindow, isSpareBundleWindow, openBundleWindow, prepareSpareBundleWindow } from './bundle-windows.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
const preload = fileURLToPath(new URL('./preload.cjs', import.meta.url));

let server: RunningServer | undefined;
let disposeIpc: (() => void) | undefined;

const homeDataDir = () => process.env.MLDESK_HOME ?? app.getPath('userData');

/** Bundles to open once the app is ready: a double-click (argv, or macOS open-file) can come first. */
let pendingBundles: string[] | null = bundleArgs(process.argv.slice(1));

function openBundle(file: string): void {
  if (pendingBundles) pendingBundles.push(file);
  else void openBundleWindow(file, { homeDataDir: homeDataDir(), version: packageJson.version });
}

async function startServices(): Promise<RunningServer> {
  // Core services run here on loopback only: the window loads the same UI `mldesk serve` gives a
  // browser, and talks to them over IPC through the preload.
  const dataDir = homeDataDir();
  setDefaultWorkerLauncher(utilityLauncher);
  // Any local process can reach a loopback port: the server answers only requests carrying this
  // launch's secret, which only this session's requests to the server's origin get.
  const launchSecret = newLaunchSecret();
  const running = await startServer({ host: '127.0.0.1', port: 0, dataDir, version: packageJson.version, launchSecret });
  disposeIpc = registerIpc(createAppHandlers(running.services), running.store, running.url, () => BrowserWindow.getAllWindows());
  session.defaultSession.webRequest.onBeforeSendHeaders((details, callback) => {
    callback({ requestHeaders: windowRequestHeaders(details.url, details.requestHeaders, running.url, launchSecret) });
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (sameOrigin(details.url, running.url)) headers['Content-Security-Policy'] = [uiContentSecurityPolicy(running.url)];
    callback({ responseHeaders: headers });
  });
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  return running;
}

async function createWindow(): Promise<void> {
  server ??= await startServices();
  const origin = server.url;
  const stateFile = join(server.store.dataDir, 'window-state.json');
  const state = loadWindowState(stateFile);
  const window = new BrowserWindow({
    ...state.bounds,
    minWidth: 800,
    minHeight: 500,
    title: 'MLDesk',
    show: false,
    webPreferences: { preload, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
  });
  if (state.maximized) window.maximize();
  trackWindowState(window, stateFile);
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!sameOrigin(url, origin)) event.preventDefault();
  });
  window.once('ready-to-show', () => {
    window.show();
    // A hidden window for the next bundle opened, made once this one is up (bundle-windows.ts).
    prepareSpareBundleWindow();
  });
  await window.loadURL(origin);
}

/** The user's windows: all but the hidden spare bundle window. */
const userWindows = () => BrowserWindow.getAllWindows().filter((window) => !window.isDestroyed() && !isSpareBundleWindow(window));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // macOS hands a double-clicked file to the running app (before 'ready' on a cold start).
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openBundle(path);
  });
  app.on('second-instance', (_event, argv) => {
    const bundles = bundleArgs(argv);
    if (bundles.length > 0) return bundles.forEach(openBundle);
    const [window] = userWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.whenReady().then(
    async () => {
      installMenu({ openBundle: () => void chooseAndOpenBundle(BrowserWindow.getFocusedWindow() ?? undefined, { homeDataDir: homeDataDir(), version: packageJson.version }) });
      await createWindow();
      const queued = pendingBundles ?? [];
      pendingBundles = null;
      queued.forEach(openBundle);
    },
    (error: unknown) => {
      console.error(error);
      app.exit(1);
    },
  );
  app.on('activate', () => {
    if (userWindows().length === 0) void createWindow();
  });
  // The hidden spare must not keep the app open ('window-all-closed' waits for every window): it goes with the user's last one.
  app.on('browser-window-created', (_event, window) => {
    window.once('closed', () => {
      if (userWindows().length === 0) dropSpareBundleWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!server) return;
    event.preventDefault();
    const closing = server;
    server = undefined;
    disposeIpc?.();
    void Promise.allSettled([closing.close(), closeBundleWindows()]).finally(() => app.quit());
  });
}
