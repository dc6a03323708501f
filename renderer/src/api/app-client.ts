// First: zod must be configured before any shared schema is built (zod-config.ts says why).
import '../zod-config';
import type { MLDeskBridge } from '../../../shared/app-api/bridge';
import type { AppEvent, AppEventName } from '../../../shared/app-api/events';
import { APP_EVENT_NAMES } from '../../../shared/app-api/events';
// Types only: the operations' zod schemas are ~40% of the script a first page runs (measured in
// Chromium's profiler), and the client needs none of them; pages that validate forms load theirs.
import type { ApiResult, AppApi, OperationInput, OperationName, OperationOutput } from '../../../shared/app-api/operations';

declare global {
  interface Window {
    mldesk?: MLDeskBridge;
  }
}

/** An error answered by the app API; `message` names the field or entity at fault. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function unwrap<T>(result: ApiResult<unknown>): T {
  if (result.ok) return result.value as T;
  throw new ApiError(result.error.code, result.error.message);
}

async function overHttp(name: OperationName, input: unknown): Promise<ApiResult<unknown>> {
  let response: Response;
  try {
    response = await fetch(`app-api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  } catch (error) {
    return { ok: false, error: { code: 'NETWORK', message: `Cannot reach the MLDesk server (${(error as Error).message}).` } };
  }
  // A token server forgot the browser's session (it restarted, or the user logged out elsewhere).
  if (response.status === 401) window.location.assign('login');
  try {
    return (await response.json()) as ApiResult<unknown>;
  } catch {
    return { ok: false, error: { code: 'HTTP_ERROR', message: `The server answered HTTP ${response.status} without a result.` } };
  }
}

/** The transport found at start: Electron's preload bridge, else HTTP to the serving origin. */
export const transport: 'ipc' | 'http' = typeof window !== 'undefined' && window.mldesk ? 'ipc' : 'http';

/** `area.operation` or `area.part.operation`: what an operation name looks like (the server answers 404 for one it does not have). */
const OPERATION_NAME = /^[a-z][A-Za-z]*(?:\.[a-z][A-Za-z]*)+$/;

function makeClient(): AppApi {
  const client = new Map<string, (input: unknown) => Promise<unknown>>();
  const operation = (name: OperationName) => async (input: unknown) => {
    const bridge = window.mldesk;
    const result = bridge ? await (bridge.api[name] as (i: unknown) => Promise<ApiResult<unknown>>)(input) : await overHttp(name, input);
    return unwrap(result);
  };
  return new Proxy({} as AppApi, {
    get(_target, name) {
      if (typeof name !== 'string' || !OPERATION_NAME.test(name)) return undefined;
      let call = client.get(name);
      if (!call) client.set(name, (call = operation(name as OperationName)));
      return call;
    },
  });
}

/** The typed app API: `api['runs.page']({...})` returns the operation's output or throws ApiError. */
export const api = makeClient();

export function call<K extends OperationName>(name: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
  return api[name](input);
}

type Listener = (event: AppEvent) => void;
const listeners = new Set<Listener>();
let source: { close(): void } | undefined;

function connect(): void {
  if (source) return;
  if (window.mldesk) {
    const off = window.mldesk.onEvent((event) => dispatchEvent(event));
    source = { close: off };
    return;
  }
  const events = new EventSource('app-api/events');
  for (const type of APP_EVENT_NAMES) {
    events.addEventListener(type, (message) => dispatchEvent({ type, payload: JSON.parse((message as MessageEvent<string>).data) } as AppEvent));
  }
  source = events;
}

function dispatchEvent(event: AppEvent): void {
  for (const listener of listeners) listener(event);
}

/** Subscribes to push events (live runs and metrics). Returns the unsubscribe function. */
export function onAppEvent(listener: Listener, types?: AppEventName[]): () => void {
  const filtered: Listener = types ? (event) => types.includes(event.type) && listener(event) : listener;
  listeners.add(filtered);
  connect();
  return () => {
    listeners.delete(filtered);
    if (listeners.size === 0 && source) {
      source.close();
      source = undefined;
    }
  };
}
