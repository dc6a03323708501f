import { EventEmitter } from 'node:events';
import type { AppEvent, AppEventName, AppEvents } from '../../shared/app-api/events.js';

type Listener = (event: AppEvent) => void;

/**
 * Push events of the core services. Listeners (the IPC and SSE transports) receive events
 * coalesced over a short window: a run logging 300 batches a second becomes ~10 events a second,
 * each naming every metric key that changed.
 */
export class AppEventBus {
  private readonly emitter = new EventEmitter();
  private pending = new Map<string, AppEvent>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly windowMs = 100) {
    this.emitter.setMaxListeners(0);
  }

  emit<K extends AppEventName>(type: K, payload: AppEvents[K]): void {
    if (this.emitter.listenerCount('event') === 0) return;
    const id = type === 'experiments.changed' ? type : `${type}:${(payload as { runId: string }).runId}`;
    const existing = this.pending.get(id);
    if (existing && existing.type === 'metrics.logged' && type === 'metrics.logged') {
      const keys = new Set([...existing.payload.keys, ...(payload as AppEvents['metrics.logged']).keys]);
      existing.payload.keys = [...keys];
    } else if (!existing) {
      this.pending.set(id, { type, payload: structuredClone(payload) } as AppEvent);
    }
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  private flush(): void {
    this.timer = undefined;
    const events = [...this.pending.values()];
    this.pending = new Map();
    for (const event of events) this.emitter.emit('event', event);
  }

  subscribe(listener: Listener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.emitter.removeAllListeners();
  }
}
