import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/app-api/bridge.js';
import { OPERATION_NAMES } from '../../shared/app-api/operations.js';
import type { AppHandlers } from '../api/app-handlers.js';
import { sameOrigin } from '../core/http-guards.js';
import { dispatch } from '../api/dispatch.js';
import { localCaller } from '../core/caller-identity.js';
import type { TrackingStore } from '../core/store/tracking-store.js';

/** Serves the app API over IPC with the same handlers as HTTP, for frames loaded from our own origin only. */
export function registerIpc(handlers: AppHandlers, store: TrackingStore, origin: string, windows: () => BrowserWindow[]): () => void {
  const trusted = (event: IpcMainInvokeEvent) => sameOrigin(event.senderFrame?.url ?? '', origin);
  for (const name of OPERATION_NAMES) {
    ipcMain.handle(ipcChannel(name), (event, input: unknown) => {
      if (!trusted(event)) return { ok: false, error: { code: 'PERMISSION_DENIED', message: 'This frame may not call the MLDesk API.' } };
      return dispatch(handlers, name, input, localCaller());
    });
  }
  const unsubscribe = store.events.subscribe((event) => {
    for (const window of windows()) if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  return () => {
    unsubscribe();
    for (const name of OPERATION_NAMES) ipcMain.removeHandler(ipcChannel(name));
  };
}
