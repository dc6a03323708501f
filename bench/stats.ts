export interface LatencySummary {
  calls: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summarize(samplesMs: number[]): LatencySummary {
  if (samplesMs.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    medianMs: sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2,
    p95Ms: percentile(sorted, 95),
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
  };
}

/** Runs `call` `warmUp` times unmeasured, then `calls` times one after another, timing each. */
export async function timeCalls(warmUp: number, calls: number, call: () => Promise<number> | number): Promise<LatencySummary> {
  for (let i = 0; i < warmUp; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) samples.push(await call());
  return summarize(samples);
}

/** Times a synchronous function, in ms. */
export function timeSync(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

/** Rows of cells as aligned columns, the first row a header underlined with dashes. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (cell ?? '').padEnd(widths[c]!)).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}
