import { useEffect, useRef } from 'react';
import { onAppEvent } from '../../api/app-client';

export interface LiveBatch {
  /** Metric keys that got new values, per run. */
  metrics: Map<string, Set<string>>;
  /** Runs whose info (status, tags, params...) changed. */
  changed: Set<string>;
}

/**
 * Subscribes to `metrics.logged` and `run.changed` for the given runs and hands the events over once
 * per animation frame, merged, so a run logging hundreds of batches a second costs one update a frame.
 */
export function useLiveRuns(runIds: string[], onBatch: (batch: LiveBatch) => void): void {
  const handler = useRef(onBatch);
  handler.current = onBatch;
  const key = runIds.join(',');
  useEffect(() => {
    const watched = new Set(key.split(',').filter(Boolean));
    if (watched.size === 0) return;
    let pending: LiveBatch = { metrics: new Map(), changed: new Set() };
    let frame: number | undefined;
    const flush = () => {
      frame = undefined;
      const batch = pending;
      pending = { metrics: new Map(), changed: new Set() };
      handler.current(batch);
    };
    const off = onAppEvent(
      (event) => {
        if ((event.type !== 'metrics.logged' && event.type !== 'run.changed') || !watched.has(event.payload.runId)) return;
        if (event.type === 'metrics.logged') {
          const keys = pending.metrics.get(event.payload.runId) ?? new Set<string>();
          for (const metricKey of event.payload.keys) keys.add(metricKey);
          pending.metrics.set(event.payload.runId, keys);
        } else if (event.type === 'run.changed') {
          pending.changed.add(event.payload.runId);
        }
        frame ??= requestAnimationFrame(flush);
      },
      ['metrics.logged', 'run.changed'],
    );
    return () => {
      off();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [key]);
}

/** Calls `fn` at most once per `ms`, always running the last call (trailing edge). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const state = useRef({ last: 0, timer: undefined as number | undefined, fn });
  state.current.fn = fn;
  useEffect(() => () => window.clearTimeout(state.current.timer), []);
  const throttled = useRef(() => {
    const s = state.current;
    if (s.timer !== undefined) return;
    const wait = Math.max(0, s.last + ms - performance.now());
    s.timer = window.setTimeout(() => {
      s.timer = undefined;
      s.last = performance.now();
      s.fn();
    }, wait);
  });
  return throttled.current;
}
