import { app, BrowserWindow, shell } from 'electron';
import { readFileSync } from 'node:fs';
import { startServer, type RunningServer } from '../cli/serve-command.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

let server: RunningServer | undefined;

async function createWindow(): Promise<void> {
  // The core services run in this process, on loopback only; the window loads the same UI that
  // `mldesk serve` gives a browser.
  server ??= await startServer({ host: '127.0.0.1', port: 0, dataDir: process.env.MLDESK_HOME ?? app.getPath('userData'), version: packageJson.version });
  const origin = server.url;
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'MLDesk',
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(origin)) event.preventDefault();
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(origin);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.whenReady().then(createWindow, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!server) return;
    event.preventDefault();
    const closing = server;
    server = undefined;
    void closing.close().finally(() => app.quit());
  });
}
