import type { AppEvent } from './events.js';
import type { ApiResult, OperationInput, OperationName } from './operations.js';

/**
 * What the Electron preload exposes as `window.mldesk`: one named function per operation (no
 * generic invoke), answering the same `ApiResult` as the HTTP transport, plus the event stream.
 */
export type BridgeApi = { [K in OperationName]: (input: OperationInput<K>) => Promise<ApiResult<unknown>> };

export interface MLDeskBridge {
  api: BridgeApi;
  onEvent(listener: (event: AppEvent) => void): () => void;
}

export const IPC_EVENT_CHANNEL = 'mldesk:event';
export const ipcChannel = (operation: OperationName) => `mldesk:api:${operation}`;
