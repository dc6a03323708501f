import { EventEmitter } from 'node:events';
import type { AppEvent, AppEventName, AppEvents } from '../../shared/app-api/events.js';

type Listener = (event: AppEvent) => void;

const TERMINAL_PHASES: ReadonlySet<string> = new Set(['finished', 'failed', 'killed']);

/** The entity an event is about: events about one entity coalesce, events about two never do. */
function entityKey(event: AppEvent): string {
  switch (event.type) {
    case 'experiments.changed':
      return event.type;
    case 'run.changed':
    case 'metrics.logged':
    case 'training.progress':
      return `${event.type}:${event.payload.runId}`;
    case 'models.changed':
      return `${event.type}:${event.payload.name}`;
    case 'deployments.changed':
      return `${event.type}:${event.payload.id}`;
  }
}

const isTerminal = (event: AppEvent): boolean => event.type === 'training.progress' && TERMINAL_PHASES.has(event.payload.progress.phase);

/**
 * Push events of the core services. Listeners (the IPC and SSE transports) receive events
 * coalesced over a short window: a run logging 300 batches a second becomes ~10 events a second,
 * each naming every metric key that changed. Within a window each entity (run, model, deployment,
 * training job) keeps its latest payload, so the last state always arrives; a training job's end
 * (finished, failed, killed) is never replaced by a progress report that raced it.
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
    const event = { type, payload: structuredClone(payload) } as AppEvent;
    const key = entityKey(event);
    const existing = this.pending.get(key);
    if (existing?.type === 'metrics.logged' && event.type === 'metrics.logged') {
      event.payload.keys = [...new Set([...existing.payload.keys, ...event.payload.keys])];
    }
    if (!(existing && isTerminal(existing) && !isTerminal(event))) {
      // Re-inserted so that listeners get events in the order of their latest change.
      this.pending.delete(key);
      this.pending.set(key, event);
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
