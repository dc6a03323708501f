import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleAsync } from './throttle';

describe('throttleAsync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collapses a burst into a leading and a trailing run, spaced by the interval', async () => {
    const starts: number[] = [];
    const throttled = throttleAsync(async () => void starts.push(Date.now()), 500);
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      throttled();
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(starts.length).toBeLessThanOrEqual(4);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(500);
    // The last call (at ~980 ms) is always followed by a run.
    expect(starts[starts.length - 1]! - t0).toBeGreaterThanOrEqual(980);
  });

  it('never runs the task twice at once', async () => {
    let running = 0;
    let overlap = false;
    const throttled = throttleAsync(async () => {
      running++;
      overlap ||= running > 1;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      running--;
    }, 100);
    throttled();
    await vi.advanceTimersByTimeAsync(150);
    throttled();
    await vi.advanceTimersByTimeAsync(5000);
    expect(overlap).toBe(false);
  });

  it('does nothing after cancel', async () => {
    const task = vi.fn(async () => undefined);
    const throttled = throttleAsync(task, 100);
    throttled();
    throttled.cancel();
    await vi.advanceTimersByTimeAsync(500);
    expect(task).not.toHaveBeenCalled();
  });
});
