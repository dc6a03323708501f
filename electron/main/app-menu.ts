import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';

/** The application menu with the usual roles and shortcuts (copy/paste, reload, zoom, full screen...), and File → Open… for bundles. */
export function installMenu(actions: { openBundle(): void }): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Bundle…', accelerator: 'CmdOrCtrl+O', click: () => actions.openBundle() },
        { type: 'separator' },
        isMac ? { role: 'close' as const } : { role: 'quit' as const },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'MLflow client setup', click: () => void shell.openExternal('https://mlflow.org/docs/latest/tracking.html') }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
