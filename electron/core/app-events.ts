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
    case 'bundles.exportProgress':
      return `${event.type}:${event.payload.exportId}`;
    case 'deployments.changed':
    case 'alerts.changed':
    case 'jobs.changed':
      return `${event.type}:${event.payload.id}`;
  }
}

const isTerminal = (event: AppEvent): boolean => event.type === 'training.progress' && TERMINAL_PHASES.has(event.payload.progress.phase);

/**
 * Keeps the latest event of each entity (run, model, deployment, training job), merging the metric
 * keys of a run; a training job's end (finished, failed, killed) is never replaced by a progress
 * report that raced it. Its size is bounded by the entities that changed, not by the event rate.
 */
export class EventCoalescer {
  private pending = new Map<string, AppEvent>();

  get size(): number {
    return this.pending.size;
  }

  /** Takes ownership of `event` (callers pass a copy when they keep theirs). */
  add(event: AppEvent): void {
    const key = entityKey(event);
    const existing = this.pending.get(key);
    if (existing?.type === 'metrics.logged' && event.type === 'metrics.logged') {
      event.payload.keys = [...new Set([...existing.payload.keys, ...event.payload.keys])];
    }
    if (existing && isTerminal(existing) && !isTerminal(event)) return;
    // Re-inserted so that events come out in the order of their latest change.
    this.pending.delete(key);
    this.pending.set(key, event);
  }

  /** The coalesced events, oldest change first; empties the coalescer. */
  take(): AppEvent[] {
    const events = [...this.pending.values()];
    this.pending = new Map();
    return events;
  }
}

/**
 * Push events of the core services. Listeners (the IPC and SSE transports) receive events
 * coalesced over a short window (see EventCoalescer): a run logging 300 batches a second becomes
 * ~10 events a second, each naming every metric key that changed, and the last state of every
 * entity always arrives.
 */
export class AppEventBus {
  private readonly emitter = new EventEmitter();
  private readonly pending = new EventCoalescer();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly windowMs = 100) {
    this.emitter.setMaxListeners(0);
  }

  emit<K extends AppEventName>(type: K, payload: AppEvents[K]): void {
    if (this.emitter.listenerCount('event') === 0) return;
    this.pending.add({ type, payload: structuredClone(payload) } as AppEvent);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  private flush(): void {
    this.timer = undefined;
    for (const event of this.pending.take()) this.emitter.emit('event', event);
  }

  subscribe(listener: Listener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.take();
    this.emitter.removeAllListeners();
  }
}
