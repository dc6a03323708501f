/**
 * Charts never get more points than pixels: a series of one value per window is cut into at most
 * `maxPoints` buckets of consecutive windows, and each bucket is drawn by the one window that matters
 * most in it (the highest drift, the lowest quality), so a spike in one window of a thousand still
 * shows, and clicking the point still picks a real window.
 */
export function representativeIndices(count: number, maxPoints: number, value: (index: number) => number | null, keep: 'max' | 'min'): number[] {
  const points = Math.max(1, Math.floor(maxPoints));
  if (count <= points) return Array.from({ length: count }, (_, i) => i);
  const size = count / points;
  const picked: number[] = [];
  for (let b = 0; b < points; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(count, Math.floor((b + 1) * size));
    let best = start;
    let bestValue: number | null = null;
    for (let i = start; i < end; i++) {
      const v = value(i);
      if (v === null) continue;
      if (bestValue === null || (keep === 'max' ? v > bestValue : v < bestValue)) {
        best = i;
        bestValue = v;
      }
    }
    picked.push(best);
  }
  return picked;
}
