/** SVG path of the runs of consecutive points that have a value (a band: upper forward, lower back). */
export function pathOf(px: number[], upper: Array<number | null>, lower: Array<number | null> | null, step: boolean, connectNulls: boolean): string {
  const runs: number[][] = [];
  let run: number[] = [];
  upper.forEach((value, i) => {
    if (value === null || (lower && lower[i] === null)) {
      if (!connectNulls && run.length > 0) {
        runs.push(run);
        run = [];
      }
      return;
    }
    run.push(i);
  });
  if (run.length > 0) runs.push(run);
  const parts: string[] = [];
  for (const indices of runs) {
    const forward: string[] = [];
    indices.forEach((i, k) => {
      const y = upper[i]!.toFixed(1);
      forward.push(`${k === 0 ? 'M' : 'L'}${px[i]!.toFixed(1)},${y}`);
      const next = indices[k + 1];
      if (step && next !== undefined) forward.push(`L${px[next]!.toFixed(1)},${y}`);
    });
    if (!lower) {
      parts.push(forward.join(''));
      continue;
    }
    const back: string[] = [];
    // Bands drawn in steps (label coverage) sit on the axis, so their lower edge needs no steps.
    for (let k = indices.length - 1; k >= 0; k--) back.push(`L${px[indices[k]!]!.toFixed(1)},${lower[indices[k]!]!.toFixed(1)}`);
    parts.push(`${forward.join('')}${back.join('')}Z`);
  }
  return parts.join('');
}
