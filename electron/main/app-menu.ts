import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';

/** The application menu with the usual roles and shortcuts (copy/paste, reload, zoom, full screen...). */
export function installMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
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
