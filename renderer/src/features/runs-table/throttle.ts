/**
 * Runs `task` at most once per `intervalMs`, never two at a time: calls that arrive meanwhile
 * collapse into one trailing run, so the last change is always fetched.
 */
export function throttleAsync(task: () => Promise<unknown>, intervalMs: number): { (): void; cancel(): void } {
  let lastStart = -Infinity;
  let running = false;
  let pending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;

  const start = () => {
    timer = undefined;
    if (cancelled) return;
    running = true;
    pending = false;
    lastStart = Date.now();
    void task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (pending) schedule();
      });
  };
  const schedule = () => {
    if (timer !== undefined || cancelled) return;
    timer = setTimeout(start, Math.max(0, lastStart + intervalMs - Date.now()));
  };
  const throttled = () => {
    pending = true;
    if (!running) schedule();
  };
  throttled.cancel = () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
  };
  return throttled;
}
